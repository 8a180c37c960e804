/* Pieces of a work order shown on several screens: status chip, pending badge, rejections,
   photo thumbnails from local bytes (or the server's thumbnail once uploaded), every field of the
   order, its timeline (the audit trail, fetched when online), photos full screen, consent and
   signature, call-back history, and refusals/conflicts worded from their codes. */
import { h } from "./dom.js";
import { t, localTime } from "./i18n.js";
import { getBlob, getMeta, listRejections, listObjects, transact, promised } from "./db.js";
import { API, api, authHeaders } from "./api.js";
import { formatFen } from "./money.js";
import { orderDescription, noteText } from "./system-text.js";

/* A step counts as done offline when the server learned of it this much later than it happened. */
const OFFLINE_GAP_MS = 60_000;
const SYSTEM_ID = "system";
/* The timeline is one GET; on a weak signal give up soon and say so rather than hang the screen. */
const TIMELINE_TIMEOUT_MS = 5000;

/* Whether the address bar still shows this screen: a slow render (a fetch on a weak signal) that
   finishes after the user moved on must not paint over the screen they went to. */
export function stillOn(route, id) {
  const [, name = "", first] = location.hash.replace(/^#/, "").split("/");
  return (name === route || (name === "" && route === "board")) && (id === undefined || decodeURIComponent(first || "") === id);
}

/* A catalog string if there is one, else the fallback (the server's English sentence, an id). */
export function tOr(key, fallback, params) {
  const text = t(key, params);
  return text === key ? fallback : text;
}

/* People and sites by id from the replica, so screens show names, never ids. */
export async function namesOf() {
  const users = new Map((await listObjects("user")).map((r) => [r.id, r.value]));
  const me = (await getMeta("auth"))?.user;
  if (me?.id && !users.has(me.id)) users.set(me.id, me);
  const sites = new Map((await listObjects("site")).map((r) => [r.id, r.value]));
  return {
    users,
    // "system" is the server's own actor (server/domain/actor.py SYSTEM): sensors, timers
    person: (id) => (id === SYSTEM_ID ? t("office.system") : id ? users.get(id)?.name || t("office.someone") : ""),
    site: (id) => sites.get(id)?.name || id || "",
  };
}

export const wasOffline = (occurred, recorded) =>
  Boolean(occurred && recorded && Math.abs(new Date(recorded) - new Date(occurred)) > OFFLINE_GAP_MS);

const offlineBadge = () => h("span", { class: "badge pending", testid: "offline-marker" }, t("office.offline_step"));
const fact = (label, value, testid) => (value === null || value === undefined || value === "" ? null
  : [h("dt", {}, label), h("dd", { testid }, value)]);

/* Deferred: why, and the time promised to the customer (shown wherever the order is). */
export function deferredNote(o) {
  if (o.status !== "deferred" || !o.defer_reason) return null;
  return h("p", { class: "warn", testid: "deferred-note" },
    t("office.deferred_note", { reason: o.defer_reason, promised: localTime(o.promised_at) }));
}

export function harmNote(o) {
  return o.harm_ongoing_since ? h("p", { class: "badge conflict", testid: "harm-ongoing" },
    t("office.harm_since", { since: localTime(o.harm_ongoing_since) })) : null;
}

/* Every field of the order a person may read, with names for people and sites. */
export function orderFacts(o, names) {
  const kind = [t(`category.${o.category}`), o.help_kind ? t(`help_kind.${o.help_kind}`) : null,
    o.complaint_level ? t(`complaint.${o.complaint_level}`) : null].filter(Boolean).join(" · ");
  const c = o.complaint || {};
  return h("dl", { class: "facts", testid: "order-facts" },
    fact(t("order.unit"), `${names.site(o.site_id)} · ${o.unit}`),
    fact(t("order.category"), kind, "fact-category"),
    fact(t("order.priority"), t(`priority.${o.priority}`), "fact-priority"),
    fact(t("office.channel"), o.channel ? t(`channel.${o.channel}`) : null, "fact-channel"),
    fact(t("office.contacted_at"), localTime(o.contacted_at)),
    fact(t("office.created_at"), localTime(o.created_at)),
    fact(t("office.requested_at"), localTime(o.requested_at), "fact-requested"),
    o.reporter && (o.reporter.name || o.reporter.phone) ? fact(t("order.reporter"), `${o.reporter.name ?? ""} ${o.reporter.phone ?? ""}`.trim()) : null,
    fact(t("order.description"), orderDescription(o, names), "fact-description"),
    fact(t("complaint_detail.about"), c.about, "fact-complaint-about"),
    fact(t("complaint_detail.happened"), c.happened),
    fact(t("complaint_detail.wants"), c.wants),
    fact(t("office.assignee"), o.assignee_id ? names.person(o.assignee_id) : t("office.unassigned"), "fact-assignee"),
    o.rework_of ? fact(t("office.rework_of"), h("a", { href: `#/job/${encodeURIComponent(o.rework_of)}`, testid: "rework-of-link" }, t("office.first_order"))) : null,
    fact(t("office.promised_at"), localTime(o.promised_at)),
    fact(t("office.cancel_reason"), o.cancel_reason, "fact-cancel-reason"),
    o.scope ? fact(t("order.scope"), o.scope) : null,
    o.labor_fee !== null && o.labor_fee !== undefined ? fact(t("order.fees"),
      `${t("order.labor_fee")} ${formatFen(o.labor_fee)} · ${t("order.material_fee")} ${formatFen(o.material_fee || 0)}`) : null,
    fact(t("order.summary"), o.summary),
    fact(t("tech.unpriced.present"), o.people_present, "fact-people-present"));
}

/* What a step of the audit trail says, in the reader's language. */
function eventText(e, names) {
  const base = e.name.replace(/_refused$/, "");
  const step = tOr(`event.${base}`, tOr(`mutation.${base}`, base));
  const d = e.data || {};
  const detail = [];
  if (e.name === "dispatch" && d.technician_id) detail.push(names.person(d.technician_id));
  if (d.reason) detail.push(d.reason);
  if (e.name === "defer" && d.promised_at) detail.push(t("office.promised_for", { at: localTime(d.promised_at) }));
  if (d.text) detail.push(noteText(d, names)); // a system note is worded from its code, a person's as written
  if (d.summary) detail.push(d.summary);
  if (e.name === "call_back") detail.push(t(d.reached ? "office.reached" : "office.not_reached"), d.comment || "");
  if (e.name === "resolve_conflict") detail.push(t(`resolution.${d.resolution}`), d.note || "");
  if (e.name === "set_harm_ongoing") detail.push(t(d.ongoing ? "office.harm_on" : "office.harm_off"));
  const text = e.name.endsWith("_refused") ? t("office.step_refused", { step }) : step;
  return [h("strong", {}, text), detail.filter(Boolean).length ? ` — ${detail.filter(Boolean).join(" · ")}` : ""];
}

/* The timeline of every step: who, when it happened, when the server learned it, offline marker. */
export function timelineSection(orderId, names) {
  const list = h("ol", { class: "timeline", testid: "timeline" }, h("li", { class: "empty" }, t("app.loading")));
  (async () => {
    try {
      const order = await api(`/work-orders/${encodeURIComponent(orderId)}`, { signal: AbortSignal.timeout(TIMELINE_TIMEOUT_MS) });
      list.replaceChildren(...(order.events || []).map((e) => h("li", { testid: "timeline-step", "data-name": e.name },
        eventText(e, names), h("br"),
        h("span", { class: "hint" }, names.person(e.actor_id) || t("office.system"), " · ",
          h("time", { datetime: e.occurred_at }, localTime(e.occurred_at)),
          " · ", t("office.server_learned", { at: localTime(e.recorded_at) }),
          wasOffline(e.occurred_at, e.recorded_at) ? [" ", offlineBadge()] : null))));
    } catch (_) {
      list.replaceChildren(h("li", { class: "empty", testid: "timeline-offline" }, t("office.timeline_offline")));
    }
  })();
  return h("section", {}, h("h2", {}, t("office.timeline")), list);
}

/* Full-size image in a modal dialog (Esc closes it); local bytes first, else the server's. */
async function showFull(sha256, caption) {
  const img = h("img", { class: "full", alt: caption, testid: "photo-full" });
  const close = h("button", { type: "button", testid: "photo-close", onclick: () => dialog.close() }, t("office.close"));
  const dialog = h("dialog", { class: "photo-viewer", testid: "photo-viewer", "aria-label": caption, onclose: () => dialog.remove() },
    h("p", { class: "row" }, caption, close), img);
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  const local = await getBlob(sha256);
  if (local?.blob) { img.src = URL.createObjectURL(local.blob); return; }
  const res = await fetch(`${API}/blobs/${sha256}`, { headers: await authHeaders() }).catch(() => null);
  if (res?.ok) img.src = URL.createObjectURL(await res.blob());
  else img.alt = t("photo.pending");
}

export function photoGallery(photos) {
  return h("div", { class: "thumbs", testid: "photo-list" }, (photos || []).map((p) => {
    const caption = t(`photo.kind.${p.kind}`);
    return h("figure", {}, h("button", { type: "button", class: "thumb-button", testid: "photo-open", "aria-label": t("office.photo_full", { kind: caption }),
      onclick: () => showFull(p.sha256, caption) }, photoThumb(p.sha256, caption)), h("figcaption", {}, caption));
  }));
}

/* What the customer agreed to before the work, and how they signed it off. */
export function consentAndSignature(o) {
  const parts = [];
  if (o.consent) {
    parts.push(h("div", { class: "card", testid: "consent" }, h("h3", {}, t("office.consent")),
      h("p", {}, o.consent.customer_name || "", " · ", localTime(o.consent.occurred_at)),
      o.consent.signature_sha256 ? photoThumb(o.consent.signature_sha256, t("office.consent")) : h("p", { class: "hint" }, t("office.no_consent_signature"))));
  }
  if (o.signature) {
    const s = o.signature;
    parts.push(h("div", { class: "card", testid: "signature" }, h("h3", {}, t("office.signature")),
      h("p", {}, h("strong", {}, t(s.accepted ? "office.signed_accepted" : "office.signed_refused")), " · ", s.signer_name || "", " · ", localTime(s.signed_at)),
      s.comment ? h("p", { testid: "signature-comment" }, s.comment) : null,
      s.signature_sha256 ? photoThumb(s.signature_sha256, t("office.signature")) : null));
  }
  return parts.length ? h("section", {}, h("h2", {}, t("office.consent_and_signature")), parts) : null;
}

/* Every call-back attempt kept on the order (回访记录). */
export function callBackHistory(o, names) {
  const attempts = o.call_backs || [];
  if (!attempts.length) return null;
  return h("ol", { class: "plain", testid: "callback-history" }, attempts.map((c) => h("li", { testid: "callback-attempt" },
    h("strong", {}, t(c.reached ? "office.reached" : "office.not_reached")),
    c.reached && c.satisfied !== null && c.satisfied !== undefined ? ` · ${t(c.satisfied ? "office.satisfied" : "office.not_satisfied")}` : "",
    c.comment ? ` — ${c.comment}` : "", " ", h("span", { class: "hint" }, names.person(c.actor_id), " · ", localTime(c.occurred_at)))));
}

/* A refusal or conflict in the reader's words: the step, whose device, why (from its code), when,
   and "offline" only when the step happened well before the server learned of it. */
export function conflictLine(c, names) {
  const step = tOr(`mutation.${c.mutation}`, c.mutation);
  const why = tOr(`error.${c.code}`, c.message);
  return [h("strong", {}, t("office.refused_step", { step, who: names.person(c.actor_id) })), " — ", h("span", { testid: "conflict-reason" }, why),
    " ", h("span", { class: "hint" }, localTime(c.occurred_at || c.created_at)), wasOffline(c.occurred_at, c.created_at) ? [" ", offlineBadge()] : null];
}

export const statusChip = (status) => h("span", { class: `chip status-${status}`, testid: "status" }, t(`status.${status}`));

export function pendingBadge(count) {
  return count ? h("span", { class: "badge pending", testid: "order-pending" }, t("sync.order_pending", { n: count })) : null;
}

export async function rejectionsFor(orderId) {
  return (await listRejections()).filter((r) => r.object_id === orderId);
}

export function rejectionList(rejections) {
  if (!rejections.length) return null;
  return h("ul", { class: "rejections", testid: "rejections" }, rejections.map((r) =>
    h("li", { testid: "rejection" }, h("strong", {}, t(`mutation.${r.name}`)), " — ",
      t(`error.${r.code}`) !== `error.${r.code}` ? t(`error.${r.code}`) : r.message)));
}

export async function markRejectionsSeen(orderId) {
  await transact(["rejections"], "readwrite", async (s) => {
    for (const r of await promised(s.rejections.getAll())) if (r.object_id === orderId && !r.seen) s.rejections.put({ ...r, seen: true });
  });
}

/* An <img> for a photo: local bytes while we have them, else the server thumbnail (with auth). */
export function photoThumb(sha256, alt = "") {
  const img = h("img", { class: "thumb", alt, testid: "photo-thumb", loading: "lazy" });
  img.dataset.sha256 = sha256;
  (async () => {
    const local = await getBlob(sha256);
    if (local?.blob) { img.src = URL.createObjectURL(local.blob); return; }
    try {
      const res = await fetch(`${API}/blobs/${sha256}?thumb=1`, { headers: await authHeaders() });
      if (res.ok) img.src = URL.createObjectURL(await res.blob());
      else img.alt = t("photo.pending");
    } catch (_) { img.alt = t("photo.pending"); }
  })();
  return img;
}

/* The receipt renders on the device from what was signed (screens/receipt.js), so it opens offline too. */
export function receiptLink(orderId) {
  return h("a", { href: `#/receipt/${encodeURIComponent(orderId)}`, class: "button", testid: "receipt-link" }, t("job.receipt"));
}
