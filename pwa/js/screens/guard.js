/* The guard's console: live alarm board (GET /alarms + the event stream), start/end shift,
   enable notifications, acknowledge and resolve with a note. Steps go through the outbox. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { listObjects, getMeta, setMeta } from "../db.js";
import { enqueue, syncNow } from "../../sync.js";
import { fetchAlarms, followEvents } from "../alarm-feed.js";
import { enableNotifications, notificationsEnabled } from "../push-subscription.js";
import { resizePhoto } from "../photo-resize.js";
import { storeBlob } from "../tus-upload.js";

const REFRESH_MS = 15_000; // without the stream, a board at most this stale

let stopFeed = null, refreshTimer = null, fresh = new Map();

export async function alarmBoard(root, { focusId, rerender }) {
  const local = (await listObjects("alarm")).map((r) => r.value);
  const byId = new Map(local.map((a) => [a.id, a]));
  for (const [id, a] of fresh) if (!byId.get(id)?.acked_at || a.acked_at) byId.set(id, { ...byId.get(id), ...a });
  const alarms = [...byId.values()].sort((a, b) => (a.state === b.state ? (b.last_seen || "").localeCompare(a.last_seen || "") : a.state === "active" ? -1 : 1));
  const act = async (name, args) => { await enqueue(name, args); document.dispatchEvent(new CustomEvent("fieldops:changed")); rerender(); };
  return h("ul", { class: "alarm-list", testid: "alarm-list" }, alarms.length ? alarms.map((a) => {
    const note = h("input", { name: "note", required: true, testid: "resolve-note", placeholder: t("alarm.resolve_note") });
    return h("li", { class: `alarm state-${a.state}${a.acked_at ? " acked" : ""}${a.id === focusId ? " focus" : ""}`, testid: "alarm-item", "data-alarm-id": a.id },
      h("strong", {}, t(`alarm.kind.${a.kind}`)), " ", h("span", {}, `${a.site_id} · ${t("alarm.zone")} ${a.zone ?? "-"}`),
      h("span", { class: "chip", testid: "alarm-state" }, t(`alarm.state.${a.state}`)),
      a.count > 1 ? h("span", { class: "badge" }, `×${a.count}`) : null,
      h("time", { datetime: a.last_seen || a.first_seen }, localTime(a.last_seen || a.first_seen)),
      a.acked_at ? h("span", { class: "chip ok", testid: "alarm-acked" }, t("alarm.acked"))
        : h("button", { class: "primary", testid: "alarm-ack", onclick: () => act("ack_alarm", { alarm_id: a.id }) }, t("alarm.ack")),
      a.resolved_note ? h("span", { class: "chip ok", testid: "alarm-resolved" }, t("alarm.resolved"))
        : h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act("resolve_alarm", { alarm_id: a.id, note: note.value.trim() }); } },
          note, h("button", { type: "submit", testid: "alarm-resolve" }, t("alarm.resolve"))),
      a.work_order_id ? [h("a", { href: `#/job/${encodeURIComponent(a.work_order_id)}`, testid: "alarm-order" }, t("alarm.order")),
        scenePhoto(a, act)] : null);
  }) : h("li", { class: "empty", testid: "alarms-empty" }, t("alarm.none")));
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
    if (event === "work_order" || data?.type === "work_order") { syncNow(); return; }
    refresh();
    if (event === "alarm") syncNow();
  });
  addEventListener("hashchange", () => { stopFeed?.(); clearInterval(refreshTimer); stopFeed = null; }, { once: true });
}

export async function showGuard(root, { user, params, again = false }) {
  const rerender = () => showGuard(root, { user, params, again: true });
  const shift = await getMeta("shift");
  const sites = user.site_ids || [];
  const site = h("select", { name: "site_id", testid: "shift-site" }, sites.map((s) => h("option", { value: s, selected: shift?.site_id === s }, s)));
  const shiftBtn = shift
    ? h("button", { class: "big", testid: "end-shift", onclick: async () => {
        await enqueue("end_shift", { site_id: shift.site_id }); await setMeta("shift", null); rerender(); } }, t("shift.end"))
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
  mount(root, h("section", { testid: "guard-screen" },
    h("h1", {}, t("alarm.board")),
    h("div", { class: "row card" },
      shift ? h("span", { testid: "shift-state" }, t("shift.on_duty", { site: shift.site_id })) : site, shiftBtn, pushBtn, pushMsg),
    await alarmBoard(root, { focusId: params[0], rerender })));
  if (!again) followAlarms(rerender);
  navigator.serviceWorker?.addEventListener("message", (e) => { if (e.data?.type === "ALARM_ACKED") { syncNow(); } }, { once: true });
}
