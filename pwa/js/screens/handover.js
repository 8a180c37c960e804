/* The change of shift (交接班): #/handover is the outgoing guard's handover — what is still open, a note
   for the next shift, and a warning when unacknowledged alarms would be left with nobody on duty (the
   server then pushes the supervisors); #/shifts is the site's shift history with every handover. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { api } from "../api.js";
import { listObjects, setMeta } from "../db.js";
import { enqueue } from "../../sync.js";
import { fetchAlarms } from "../alarm-feed.js";
import { stillOn, currentShift } from "./guard.js";
import { orderTitle } from "../system-text.js";

// The kinds whose alarms escalate (iot/alarm_rules.py EMERGENCY_KINDS): only these wake supervisors.
const EMERGENCY_KINDS = new Set(["fire", "smoke", "water_leak", "gas", "carbon_monoxide"]);
const CLOSED = new Set(["signed_off", "closed", "cancelled"]);

const resolved = (a) => Boolean(a.resolved_at || a.resolved_note);

/* What the outgoing guard hands over at a site, from the replica and (online) the server. */
export async function openAtSite(siteId) {
  const byId = new Map((await listObjects("alarm")).map((r) => [r.value.id, r.value]));
  try { for (const a of await fetchAlarms({ site_id: siteId })) byId.set(a.id, { ...byId.get(a.id), ...a }); } catch (_) { /* offline: replica */ }
  const alarms = [...byId.values()].filter((a) => a.site_id === siteId && !resolved(a) && (a.state === "active" || !a.acked_at));
  const orders = (await listObjects("work_order")).map((r) => r.value)
    .filter((o) => o.site_id === siteId && o.category === "emergency" && !CLOSED.has(o.status));
  return { alarms, orders };
}

async function siteName(siteId) {
  return (await listObjects("site")).find((r) => r.value.id === siteId)?.value.name || siteId;
}

/* Other guards on duty at the site, or null when the server cannot be asked (offline: assume nobody). */
async function othersOnDuty(siteId, me) {
  try {
    const shifts = await api(`/shifts?site_id=${encodeURIComponent(siteId)}`);
    return shifts.filter((s) => !s.ended_at && s.guard_id !== me);
  } catch (_) { return null; }
}

export async function showHandover(root, { user }) {
  const shift = await currentShift(user);
  if (!shift) { location.hash = "#/alarms"; return; }
  const { alarms, orders } = await openAtSite(shift.site_id);
  const others = await othersOnDuty(shift.site_id, user.id);
  const unacked = alarms.filter((a) => !a.acked_at && EMERGENCY_KINDS.has(a.kind));
  const unattended = unacked.length > 0 && !(others && others.length);
  const note = h("textarea", { id: "handover-note", name: "handover_note", rows: 4, maxLength: 4000, testid: "handover-note" });
  const form = h("form", { class: "card", testid: "handover-form", onsubmit: async (e) => {
    e.preventDefault();
    const args = { site_id: shift.site_id };
    if (note.value.trim()) args.handover_note = note.value.trim();
    await enqueue("end_shift", args);
    await setMeta("shift", null);
    location.hash = "#/alarms";
  } },
  h("label", { for: "handover-note" }, t("guard.note_label")), note,
  others?.length ? h("p", { testid: "handover-takes-over" }, t("guard.takes_over", { names: others.map((s) => s.guard_name || s.guard_id).join("、") })) : null,
  h("div", { class: "row" },
    h("button", { type: "submit", class: unattended ? "danger big" : "primary big", testid: unattended ? "end-shift-anyway" : "end-shift-confirm" },
      t(unattended ? "guard.end_anyway" : "guard.end_confirm")),
    h("a", { href: "#/alarms", class: "button", testid: "handover-back" }, t("guard.cancel"))));
  const site = await siteName(shift.site_id);
  if (!stillOn(root, "handover")) return;
  mount(root, h("section", { testid: "handover-screen" },
    h("h1", {}, t("guard.handover_title")),
    // the warning first, where it cannot be missed; the button at the end says what going anyway does
    unattended ? h("p", { class: "error card", role: "alert", testid: "handover-warning" }, t("guard.unattended_warning", { n: unacked.length })) : null,
    h("p", {}, t("guard.handover_site", { site })),
    h("h2", {}, t("guard.open_alarms")),
    alarms.length ? h("ul", { class: "plain", testid: "handover-alarms" }, alarms.map((a) => h("li", { testid: "handover-alarm", "data-alarm-id": a.id },
      `${t(`alarm.kind.${a.kind}`)} · ${t("alarm.zone")} ${a.zone ?? "-"} · `, a.acked_at ? t("alarm.acked") : h("strong", {}, t("guard.unacked")))))
      : h("p", { testid: "handover-alarms-none" }, t("guard.nothing_open")),
    h("h2", {}, t("guard.open_orders")),
    orders.length ? h("ul", { class: "plain", testid: "handover-orders" }, orders.map((o) => h("li", {},
      h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, orderTitle(o)), ` · ${t(`status.${o.status}`)}`)))
      : h("p", {}, t("guard.nothing_open")),
    form));
}

/* One ended shift as the history and the guard's board show it. */
export function handoverSummary(s) {
  const ho = s.handover;
  return [
    h("strong", {}, t("guard.pending_item", { guard: s.guard_name || s.guard_id, from: localTime(s.started_at), to: localTime(s.ended_at) })),
    h("p", { testid: "handover-note-text" }, ho.note || t("guard.no_note")),
    h("p", {}, t("guard.open_counts", { alarms: ho.open_alarm_ids.length, orders: (ho.open_work_order_ids || []).length })),
    ho.unattended_alarm_ids?.length ? h("p", { class: "error" }, t("guard.history_unattended", { n: ho.unattended_alarm_ids.length })) : null,
  ];
}

export async function showShifts(root, { user, params }) {
  const sites = user.site_ids || [];
  const siteId = params[0] || (await currentShift(user))?.site_id || sites[0];
  const picker = h("select", { id: "history-site", testid: "history-site", onchange: () => { location.hash = `#/shifts/${encodeURIComponent(picker.value)}`; } },
    await Promise.all(sites.map(async (s) => h("option", { value: s, selected: s === siteId }, await siteName(s)))));
  let body;
  try {
    const shifts = await api(`/shifts?site_id=${encodeURIComponent(siteId)}`);
    body = shifts.length ? h("ul", { class: "plain", testid: "shift-history" }, shifts.map((s) => h("li", { class: "card", testid: "shift-record", "data-shift-id": s.id },
      s.handover ? [handoverSummary(s), h("p", { testid: "shift-received" }, s.handover.received_by
        ? t("guard.history_received", { name: s.handover.received_by_name || s.handover.received_by, at: localTime(s.handover.received_at) })
        : t("guard.history_not_received"))]
        : h("strong", {}, `${s.guard_name || s.guard_id} · ${localTime(s.started_at)} · ${t("guard.history_running")}`))))
      : h("p", { testid: "shift-history-none" }, t("guard.history_none"));
  } catch (_) {
    body = h("p", { class: "error", role: "alert" }, t("guard.offline"));
  }
  if (!stillOn(root, "shifts")) return;
  mount(root, h("section", { testid: "shifts-screen" },
    h("h1", {}, t("guard.history_title")),
    h("div", { class: "row" }, h("label", { for: "history-site" }, t("guard.history_site")), picker,
      h("a", { href: "#/alarms", class: "button" }, t("guard.cancel"))),
    body));
}
