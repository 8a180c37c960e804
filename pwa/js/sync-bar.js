/* The sync bar: one line in the top bar saying where this device's work stands (synced, sending, offline,
   signed out, refused), and under it why the last attempt failed, when the next one is, and what to do. */
import { h } from "./dom.js";
import { t, language } from "./i18n.js";
import { getMeta, listRejections, getObject } from "./db.js";
import { pendingCounts, syncNow } from "../sync.js";

const stateEl = () => document.querySelector("[data-testid=sync-state]");
const detailEl = () => document.querySelector("[data-testid=sync-detail]");
let last = {};
let ticker = null;
let drawn = 0; // redraws started: one that finishes after a newer one began must not paint its older news

/* The last sync news merged (failure, retry time, sending, signed out): what the router asks about. */
export const syncState = () => last;

const clock = (ms) => new Date(ms).toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/* "at 12:40:05 (in 25 s)", or "now" once the time has come and the attempt is running. */
function retryText() {
  if (!last.retryAt) return "";
  const s = Math.ceil((last.retryAt - Date.now()) / 1000);
  return s > 0 ? t("tech.sync.retry_at", { time: clock(last.retryAt), s }) : t("tech.sync.retrying");
}

/* Why the server would not take the request, in the reader's words; the server's sentence only as a fallback. */
function refusalReason(failure) {
  const key = `error.${failure.code}`;
  const worded = t(key);
  return worded !== key ? worded : failure.message || failure.code;
}

/* What the bar says, decided in one place, most pressing first. */
async function decide(unsent) {
  const auth = await getMeta("auth");
  const f = last.failure;
  const n = unsent;
  // signed out with steps waiting (logged out by hand, or the token expired): they stay queued for the same user
  if ((!auth?.token && n) || (auth?.token && f?.reason === "signed_out")) {
    return { state: "signed_out", reason: "signed_out", text: n ? t("tech.sync.signed_out", { n }) : t("tech.sync.signed_out_none"),
      detail: t("tech.sync.signed_out_detail"), signIn: true };
  }
  if (last.sending && n) return { state: "busy", text: t("sync.sending", { n }) };
  if (navigator.onLine === false) {
    return { state: "offline", reason: "offline", text: n ? t("sync.pending_offline", { n }) : t("sync.offline"),
      detail: n ? t("tech.sync.offline_detail") : null };
  }
  if (f && ["offline", "unreachable"].includes(f.reason)) {
    return { state: "offline", reason: "unreachable", text: n ? t("sync.pending_offline", { n }) : t("sync.offline"),
      detail: t("tech.sync.unreachable_detail"), retry: true };
  }
  if (f?.reason === "server_down") {
    return { state: "failed", reason: "server_down", text: t("tech.sync.server_down", { n }),
      detail: t("tech.sync.server_down_detail", { status: f.status }), retry: true };
  }
  if (f?.reason === "refused") {
    return { state: "failed", reason: "refused", text: t("tech.sync.refused", { n }),
      detail: t("tech.sync.refused_detail", { reason: refusalReason(f) }), retry: true };
  }
  if (n) return { state: "pending", text: t("sync.pending", { n }) };
  const refusedSteps = (await listRejections()).filter((r) => !r.seen);
  if (refusedSteps.length) {
    return { state: "refused", reason: "steps_refused", text: t("tech.sync.steps_refused", { n: refusedSteps.length }),
      detail: t("tech.sync.steps_refused_detail"), orders: [...new Set(refusedSteps.map((r) => r.object_id).filter(Boolean))] };
  }
  return { state: "ok", text: t("sync.all_synced") };
}

/* Redraws the bar from the news of a sync (or none: the network changed, a step was queued). */
export async function showSyncState(news = {}) {
  last = { ...last, ...news };
  const mine = ++drawn;
  const counts = await pendingCounts();
  const unsent = counts.total + counts.blobs;
  const shown = await decide(unsent);
  if (mine !== drawn) return shown; // "sending" must never be painted after the request it was about ended
  const el = stateEl();
  el.textContent = shown.text;
  el.dataset.state = shown.state;
  el.dataset.reason = shown.reason || "";
  el.dataset.pending = String(unsent);
  await showDetail(shown, mine);
  document.dispatchEvent(new CustomEvent("fieldops:pending", { detail: counts }));
  return shown;
}

async function showDetail(shown, mine) {
  const el = detailEl();
  const links = [];
  for (const id of shown.orders || []) {
    const order = (await getObject("work_order", id))?.value;
    links.push(h("a", { href: `#/job/${encodeURIComponent(id)}`, testid: "sync-refused-order" }, order?.title || t("tech.sync.the_order")));
  }
  if (mine !== drawn) return;
  clearInterval(ticker);
  ticker = null;
  if (!shown.detail) { el.hidden = true; el.replaceChildren(); delete el.dataset.state; return; }
  const onLogin = document.body.dataset.route === "login";
  const when = h("span", { testid: "sync-retry-at" }, shown.retry ? retryText() : "");
  el.replaceChildren(...[
    h("span", { testid: "sync-detail-text" }, shown.detail, shown.retry ? [" ", when] : null), ...links,
    shown.retry ? h("button", { type: "button", testid: "sync-retry", onclick: () => syncNow() }, t("tech.sync.retry_now")) : null,
    shown.signIn && !onLogin ? h("a", { class: "button", href: "#/login", testid: "sync-sign-in" }, t("tech.sync.sign_in")) : null,
  ].filter(Boolean));
  el.dataset.state = shown.state;
  el.hidden = false;
  if (shown.retry && last.retryAt) ticker = setInterval(() => { when.textContent = retryText(); }, 1000);
}
