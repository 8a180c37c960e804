/* The guard's console: live alarm board (GET /alarms + the event stream), start a shift (ending it is
   the handover, #/handover), the shift running and the next, handovers to confirm, enable notifications,
   acknowledge and resolve with a note; after office hours, record a report and dispatch an emergency
   order to a technician of the site. Steps go through the outbox. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { api } from "../api.js";
import { listObjects, getObject, getMeta, setMeta } from "../db.js";
import { enqueue, syncNow } from "../../sync.js";
import { fetchAlarms, followEvents } from "../alarm-feed.js";
import { enableNotifications, notificationsEnabled } from "../push-subscription.js";
import { resizePhoto } from "../photo-resize.js";
import { storeBlob } from "../tus-upload.js";
import { loadNames } from "../names.js";
import { orderTitle } from "../system-text.js";

const REFRESH_MS = 15_000; // without the stream, a board at most this stale
const SCHEDULE_MS = 60_000; // the schedule changes twice a day: asking once a minute is plenty
const DISPATCHABLE = ["new", "deferred"];

let stopFeed = null, refreshTimer = null, fresh = new Map();
const drafts = new Map(); // resolve notes being typed and technicians picked, kept across the board's refreshes

/* Whether the app still shows this route (app.js sets it on the screen as each render starts): a board
   refresh (timer, stream, sync) begun before the guard moved on must not paint over the handover. */
export const stillOn = (root, route) => !root.dataset.route || root.dataset.route === route;

/* `duty`: {site_id, technicians} when the guard on duty may dispatch (after office hours), else absent. */
export async function alarmBoard(root, { focusId, rerender, duty }) {
  const names = await loadNames();
  const local = (await listObjects("alarm")).map((r) => r.value);
  const byId = new Map(local.map((a) => [a.id, a]));
  for (const [id, a] of fresh) if (!byId.get(id)?.acked_at || a.acked_at) byId.set(id, { ...byId.get(id), ...a });
  const alarms = [...byId.values()].sort((a, b) => (a.state === b.state ? (b.last_seen || "").localeCompare(a.last_seen || "") : a.state === "active" ? -1 : 1));
  const act = async (name, args) => { await enqueue(name, args); document.dispatchEvent(new CustomEvent("fieldops:changed")); rerender(); };
  const orders = new Map();
  for (const a of alarms) {
    if (duty?.technicians.length && a.work_order_id && a.site_id === duty.site_id && !orders.has(a.work_order_id)) {
      orders.set(a.work_order_id, await dispatchControl(a.work_order_id, duty, act));
    }
  }
  return h("ul", { class: "alarm-list", testid: "alarm-list" }, alarms.length ? alarms.map((a) => {
    const note = h("input", { name: "note", required: true, testid: "resolve-note", placeholder: t("alarm.resolve_note"), "aria-label": t("alarm.resolve_note"),
      value: drafts.get(a.id) ?? "", oninput: () => drafts.set(a.id, note.value) });
    return h("li", { class: `alarm state-${a.state}${a.acked_at ? " acked" : ""}${a.id === focusId ? " focus" : ""}`, testid: "alarm-item", "data-alarm-id": a.id },
      h("strong", {}, t(`alarm.kind.${a.kind}`)), " ", h("span", { testid: "alarm-place" }, `${a.site_id ? names.site(a.site_id) : t("guard.site_unplaced")} · ${t("alarm.zone")} ${a.zone ?? "-"}`),
      h("span", { class: "chip", testid: "alarm-state" }, t(`alarm.state.${a.state}`)),
      a.count > 1 ? h("span", { class: "badge" }, `×${a.count}`) : null,
      h("time", { datetime: a.last_seen || a.first_seen }, localTime(a.last_seen || a.first_seen)),
      a.acked_at ? h("span", { class: "chip ok", testid: "alarm-acked" }, t("alarm.acked"))
        : h("button", { class: "primary", testid: "alarm-ack", onclick: () => act("ack_alarm", { alarm_id: a.id }) }, t("alarm.ack")),
      // resolved: the server's `resolved_at`/`resolution` once synced (and after a reload), the outbox's `resolved_note` until then
      a.resolved_at || a.resolved_note ? h("span", { class: "chip ok", testid: "alarm-resolved" },
        t("guard.resolved_with", { note: a.resolution ?? a.resolved_note ?? "" }))
        : h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act("resolve_alarm", { alarm_id: a.id, note: note.value.trim() }); } },
          note, h("button", { type: "submit", testid: "alarm-resolve" }, t("alarm.resolve"))),
      a.work_order_id ? [h("a", { href: `#/job/${encodeURIComponent(a.work_order_id)}`, testid: "alarm-order" }, t("alarm.order")),
        scenePhoto(a, act), orders.get(a.work_order_id)] : null);
  }) : h("li", { class: "empty", testid: "alarms-empty" }, t("alarm.none")));
}

/* After office hours, the reports of the duty site still waiting for a technician that no alarm on the
   board carries (a call the guard recorded, a resident at the gate), each with its dispatch control, and
   those the guard recorded and dispatched, with whom they went to. */
async function reportsToDispatch(duty, user, rerender) {
  if (!duty?.technicians.length) return null;
  const act = async (name, args) => { await enqueue(name, args); document.dispatchEvent(new CustomEvent("fieldops:changed")); rerender(); };
  const alarms = [...(await listObjects("alarm")).map((r) => r.value), ...fresh.values()];
  const carried = new Set(alarms.map((a) => a.work_order_id).filter(Boolean));
  const waiting = (await listObjects("work_order")).map((r) => r.value)
    .filter((o) => o.site_id === duty.site_id && !carried.has(o.id)
      && (DISPATCHABLE.includes(o.status) || (o.status === "dispatched" && (o.created_by ?? user.id) === user.id)))
    .sort((a, b) => (a.created_at || "").localeCompare(b.created_at || ""));
  if (!waiting.length) return null;
  return h("section", { class: "card", testid: "reports-to-dispatch" }, h("h2", {}, t("guard.reports_title")),
    h("ul", { class: "plain" }, await Promise.all(waiting.map(async (o) => h("li", { testid: "report-item", "data-order-id": o.id },
      h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, orderTitle(o)), ` · ${o.unit} · `, h("span", { class: "chip" }, t(`category.${o.category}`)),
      await dispatchControl(o.id, duty, act))))));
}

/* After office hours the guard on duty dispatches like the service centre (README "The monitoring room"). */
async function dispatchControl(workOrderId, duty, act) {
  const order = (await getObject("work_order", workOrderId))?.value;
  if (!order) return null;
  if (!DISPATCHABLE.includes(order.status)) {
    const who = duty.technicians.find((u) => u.id === order.assignee_id)?.name || order.assignee_id;
    return order.assignee_id ? h("span", { class: "chip ok", testid: "alarm-dispatched" }, t("guard.dispatched", { name: who })) : null;
  }
  const id = `dispatch-${workOrderId}`;
  const pick = h("select", { id, name: "technician_id", required: true, testid: "dispatch-technician", onchange: () => drafts.set(id, pick.value) },
    duty.technicians.map((u) => h("option", { value: u.id, selected: drafts.get(id) === u.id }, u.name)));
  return h("form", { class: "inline", testid: "dispatch-form", onsubmit: (e) => {
    e.preventDefault();
    act("dispatch", { work_order_id: workOrderId, technician_id: pick.value });
  } }, h("label", { for: id }, t("guard.dispatch_to")), pick, h("button", { type: "submit", testid: "alarm-dispatch" }, t("guard.dispatch")));
}

/* A photo of the scene, attached to the alarm's emergency order (guards may, on emergencies). */
function scenePhoto(alarm, act) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", class: "file", testid: "alarm-photo-input",
    onchange: async () => {
      const file = input.files[0];
      if (!file) return;
      const sha256 = await storeBlob(await resizePhoto(file), alarm.work_order_id, "photo");
      await act("attach_photo", { work_order_id: alarm.work_order_id, sha256, kind: "damage",
        taken_at: new Date(file.lastModified || Date.now()).toISOString() });
    } });
  return h("label", { class: "button" }, t("alarm.photo"), input);
}

/* Keeps `fresh` up to date from the server while a board is on screen. */
export function followAlarms(rerender) {
  const refresh = async () => {
    try { for (const a of await fetchAlarms()) fresh.set(a.id, a); rerender(); } catch (_) { /* offline: replica only */ }
  };
  stopFeed?.(); clearInterval(refreshTimer);
  refresh();
  refreshTimer = setInterval(refresh, REFRESH_MS);
  // the stream says what changed ({"type": "alarm"|"work_order", "id"}); the data comes by the usual paths
  stopFeed = followEvents(({ event, data }) => {
    // an order or a shift (a colleague's handover, their start): the replica brings it, and the board redraws after the sync
    if (["work_order", "shift"].includes(event) || ["work_order", "shift"].includes(data?.type)) { syncNow(); return; }
    refresh();
    if (event === "alarm") syncNow();
  });
  addEventListener("hashchange", () => { stopFeed?.(); clearInterval(refreshTimer); stopFeed = null; }, { once: true });
}

let scheduleCache = { key: null, at: 0, value: null };

/* The shift running and the next at the site (GET /shifts/schedule); null offline. */
async function siteSchedule(siteId) {
  if (!siteId) return null;
  if (scheduleCache.key === siteId && Date.now() - scheduleCache.at < SCHEDULE_MS) return scheduleCache.value;
  try { scheduleCache = { key: siteId, at: Date.now(), value: await api(`/shifts/schedule?site_id=${encodeURIComponent(siteId)}`) }; }
  catch (_) { return null; }
  return scheduleCache.value;
}

let techniciansCache = { at: 0, value: [] };

/* Active technicians of the site, for the after-hours dispatch (GET /users); [] offline. */
async function techniciansOf(siteId) {
  if (Date.now() - techniciansCache.at >= SCHEDULE_MS) {
    try { techniciansCache = { at: Date.now(), value: await api("/users?role=technician") }; } catch (_) { return []; }
  }
  return techniciansCache.value.filter((u) => u.site_ids.includes(siteId));
}

const received = new Set(); // confirmed on this device, until the server's record says so

/* The guard's shift running now: what this device started or ended (meta "shift": an object, or null once
   ended here), else the open shift the last pull brought (started on another phone, or before a reload offline). */
export async function currentShift(user) {
  const local = await getMeta("shift");
  if (local !== undefined) return local;
  const open = (await listObjects("shift")).map((r) => r.value).filter((s) => s.guard_id === user.id && !s.ended_at)
    .sort((a, b) => (b.started_at || "").localeCompare(a.started_at || ""))[0];
  return open ? { site_id: open.site_id, since: open.started_at } : null;
}

/* Ended shifts of the guard's sites that nobody has confirmed yet (not the guard's own): the server's list
   online, the synced shifts offline (so a guard in a dead spot still sees the handover waiting). */
async function handoversToConfirm(user, rerender) {
  let shifts;
  try { shifts = await api("/shifts?limit=50"); } catch (_) {
    shifts = (await listObjects("shift")).map((r) => r.value).sort((a, b) => (b.started_at || "").localeCompare(a.started_at || ""));
  }
  // those confirmed here stay listed, marked, for this session (the server may already have the receipt)
  const open = shifts.filter((s) => s.handover && s.guard_id !== user.id && (!s.handover.received_by || received.has(s.id)));
  if (!open.length) return null;
  const { handoverSummary } = await import("./handover.js");
  return h("section", { class: "card", testid: "handovers-pending" }, h("h2", {}, t("guard.pending_title")),
    h("ul", { class: "plain" }, open.map((s) => h("li", { testid: "handover-item", "data-shift-id": s.id }, handoverSummary(s),
      received.has(s.id) ? h("span", { class: "chip ok", testid: "handover-received" }, t("guard.received"))
        : h("button", { class: "primary", testid: "receive-handover", onclick: async () => {
          received.add(s.id);
          await enqueue("receive_handover", { shift_id: s.id });
          rerender();
        } }, t("guard.receive"))))));
}

export async function showGuard(root, { user, params, again = false }) {
  const rerender = () => showGuard(root, { user, params, again: true });
  const shift = await currentShift(user);
  const sites = user.site_ids || [];
  const siteName = new Map((await listObjects("site")).map((r) => [r.id, r.value.name])); const site = h("select", { name: "site_id", testid: "shift-site" }, sites.map((s) => h("option", { value: s, selected: shift?.site_id === s }, siteName.get(s) || s)));
  const shiftBtn = shift
    ? h("a", { class: "button big", href: "#/handover", testid: "end-shift" }, t("shift.end"))
    : h("button", { class: "primary big", testid: "start-shift", onclick: async () => {
        await enqueue("start_shift", { site_id: site.value }); await setMeta("shift", { site_id: site.value, since: new Date().toISOString() }); rerender(); } }, t("shift.start"));
  const pushMsg = h("span", { testid: "notifications-state" });
  const enabled = await notificationsEnabled().catch(() => false);
  pushMsg.textContent = enabled ? t("push.enabled") : "";
  const pushBtn = enabled ? null : h("button", { testid: "enable-notifications", onclick: async () => {
    pushMsg.textContent = t("push.enabling");
    try { await enableNotifications(); pushMsg.textContent = t("push.enabled"); pushBtn.hidden = true; }
    catch (err) { pushMsg.textContent = t(`push.${err.message}`) !== `push.${err.message}` ? t(`push.${err.message}`) : t("push.failed", { reason: err.message }); }
  } }, t("push.enable"));
  const schedule = await siteSchedule(shift?.site_id || sites[0]);
  const afterHours = Boolean(shift && schedule && !schedule.office_hours.open_now);
  const technicians = afterHours ? await techniciansOf(shift.site_id) : [];
  const duty = afterHours ? { site_id: shift.site_id, technicians } : null;
  const board = await alarmBoard(root, { focusId: params[0], rerender, duty });
  const reports = await reportsToDispatch(duty, user, rerender);
  const handovers = await handoversToConfirm(user, rerender);
  if (!stillOn(root, "alarms")) return;
  mount(root, h("section", { testid: "guard-screen" },
    h("h1", {}, t("alarm.board")),
    h("div", { class: "row card" },
      shift ? h("span", { testid: "shift-state" }, t("shift.on_duty", { site: siteName.get(shift.site_id) || shift.site_id })) : h("label", {}, t("guard.shift_site"), " ", site),
      shiftBtn, pushBtn, pushMsg),
    schedule ? h("p", { class: "row", testid: "shift-schedule" }, t("guard.schedule", { current: schedule.current.label, next: schedule.next.label }),
      h("strong", { testid: "office-state" }, schedule.office_hours.open_now
        ? t("guard.office_hours", { opens: schedule.office_hours.opens, closes: schedule.office_hours.closes }) : t("guard.after_hours"))) : null,
    h("nav", { class: "row" },
      afterHours ? h("a", { class: "button", href: "#/report", testid: "guard-new-report" }, t("guard.new_report")) : null,
      h("a", { class: "button", href: "#/shifts", testid: "shift-history-link" }, t("guard.history"))),
    handovers, reports, board));
  if (!again) followAlarms(rerender);
  navigator.serviceWorker?.addEventListener("message", (e) => { if (e.data?.type === "ALARM_ACKED") { syncNow(); } }, { once: true });
}
