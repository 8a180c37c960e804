/* What the supervisor's and admin's consoles share: their navigation, site names, durations a person
   reads (minutes, hours, days), error sentences from error codes, online mutations, and "look again"
   wiring — the live event stream, the moment the next escalation falls due, and a slow fallback poll. */
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { api } from "../api.js";
import { followEvents } from "../alarm-feed.js";

const FALLBACK_MS = 30_000; // orders change without an event on the stream; at most this stale

export function consoleNav(user, current) {
  const links = [
    ["supervisor", "#/supervisor", "supervisor.nav.queue"],
    ["board", "#/board", "supervisor.nav.board"],
    ["devices", "#/devices", "supervisor.nav.devices"],
    ["month", "#/month", "supervisor.nav.month"],
    ["targets", "#/targets", "supervisor.nav.targets"],
    user.role === "admin" ? ["admin", "#/admin", "supervisor.nav.admin"] : null,
  ].filter(Boolean);
  return h("nav", { class: "console-nav row", "aria-label": t("supervisor.nav.label"), testid: "console-nav" },
    links.map(([name, href, key]) => h("a", { href, class: `button${name === current ? " primary" : ""}`, testid: `nav-${name}`,
      "aria-current": name === current ? "page" : null }, t(key))));
}

export async function siteNames() {
  try { return new Map((await api("/sites")).map((s) => [s.id, s.name])); } catch (_) { return new Map(); }
}

export const siteName = (names, id) => (id ? names.get(id) || id : t("supervisor.site_unplaced"));

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400), hrs = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return t("supervisor.duration.days", { d, h: hrs });
  if (hrs) return t("supervisor.duration.hours", { h: hrs, m });
  return t("supervisor.duration.minutes", { m: Math.max(m, s > 0 ? 1 : 0) });
}

/* The catalog's sentence for an error code; the server's English only when we have none. */
export function errorText(err) {
  for (const key of [`supervisor.error.${err.code}`, `admin.error.${err.code}`, `error.${err.code}`]) {
    if (t(key) !== key) return t(key);
  }
  return err.status ? t("supervisor.error.other", { message: err.message }) : t("supervisor.error.offline");
}

/* A mutation sent now (these consoles work online): its answer or an ApiError. */
export const mutate = (name, args) => api(`/mutations/${name}`, { method: "POST", body: args });

/* An error summary at the top of a form (GOV.UK pattern): read out when it changes. */
export const errorSummary = (testid) => h("p", { class: "error", role: "alert", testid });

let live = null; // {route, refresh, stop, dueTimer, pollTimer} of the console on screen

const routeNow = () => location.hash.replace(/^#\/?/, "").split("/")[0];

/* While `route` is on screen, calls the latest refresh() on every event of the stream, when the next
   escalation falls due (`dueAt`) and every FALLBACK_MS. A re-render of the same screen only swaps the
   refresh function, so the stream stays open; leaving the screen closes it. */
export function keepFresh(route, refresh, { stream = true } = {}) {
  if (live?.route !== route) {
    stopFresh();
    const wiring = { route, refresh };
    wiring.stop = stream ? followEvents(() => wiring.refresh()) : () => {};
    wiring.pollTimer = setInterval(() => wiring.refresh(), FALLBACK_MS);
    live = wiring;
  }
  live.refresh = refresh;
  const wiring = live;
  return {
    dueAt(nextDueAt, serverTime) {
      clearTimeout(wiring.dueTimer);
      if (!nextDueAt) return;
      const wait = Date.parse(nextDueAt) - Date.parse(serverTime);
      wiring.dueTimer = setTimeout(() => wiring.refresh(), Math.min(Math.max(wait, 0) + 250, 2 ** 31 - 1));
    },
  };
}

export function stopFresh() {
  if (!live) return;
  live.stop(); clearTimeout(live.dueTimer); clearInterval(live.pollTimer);
  live = null;
}

addEventListener("hashchange", () => { if (live && routeNow() !== live.route) stopFresh(); });
