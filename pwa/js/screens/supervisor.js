/* The supervisor's console (客服主管): the live escalation queue — alarms nobody acknowledged in time,
   serious complaints, harm still going on, overdue work and call-backs, newest due first, each saying
   what it waits for, acknowledged or taken over from here — then overdue work and their sites' dead
   letters. Loaded on demand (routes.js `lazy`); it works online, like the rest of the office. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { api } from "../api.js";
import { statusChip } from "../order-view.js";
import { orderTitle, deadLetterReason } from "../system-text.js";
import { consoleNav, siteNames, siteName, duration, errorText, mutate, keepFresh } from "./console.js";

const TAKE_OVER = ["new", "deferred"]; // not yet with a technician: the supervisor can dispatch it

function what(item, names) {
  const site = siteName(names, item.site_id);
  if (item.alarm) {
    const a = item.alarm;
    const kind = [`alarm.kind.${a.kind}`, `supervisor.device_kind.${a.kind}`].map((k) => t(k)).find((text, i) => text !== [`alarm.kind.${a.kind}`, `supervisor.device_kind.${a.kind}`][i]);
    return [h("strong", {}, kind || a.kind),
      " ", h("span", {}, `${site} · ${t("alarm.zone")} ${a.zone ?? "-"}`)];
  }
  const o = item.work_order;
  return [h("strong", {}, orderTitle(o)), " ", h("span", {}, `${site} ${o.unit}`), " ", statusChip(o.status),
    o.complaint_level ? h("span", { class: "chip" }, t(`complaint.${o.complaint_level}`)) : null];
}

function actions(item, status, refresh) {
  const ack = async (button) => {
    button.disabled = true;
    status.textContent = t("supervisor.acking");
    try { await mutate("ack_alarm", { alarm_id: item.alarm.id }); status.textContent = t("supervisor.acked"); }
    catch (err) { status.textContent = errorText(err); button.disabled = false; }
    refresh();
  };
  if (item.alarm) {
    return [h("button", { class: "primary", testid: "escalation-ack", onclick: (e) => ack(e.currentTarget) }, t("alarm.ack")),
      item.alarm.work_order_id ? h("a", { class: "button", href: `#/job/${encodeURIComponent(item.alarm.work_order_id)}`, testid: "escalation-open" }, t("supervisor.open_order")) : null];
  }
  const o = item.work_order;
  return [h("a", { class: "button", href: `#/job/${encodeURIComponent(o.id)}`, testid: "escalation-open" }, t("supervisor.open_order")),
    TAKE_OVER.includes(o.status) ? h("a", { class: "button primary", href: `#/board/dispatch/${encodeURIComponent(o.id)}`, testid: "escalation-dispatch" }, t("supervisor.dispatch")) : null];
}

function queueList(body, names, status, refresh) {
  if (!body.items.length) return h("li", { class: "empty", testid: "escalations-empty" }, t("supervisor.queue_empty"));
  return body.items.map((item) => h("li", { class: `escalation kind-${item.kind}`, testid: "escalation-item", "data-kind": item.kind,
    "data-key": item.id, "data-alarm-id": item.alarm?.id, "data-order-id": item.work_order?.id },
    h("span", { class: "chip warn" }, t(`supervisor.kind.${item.kind}`)), " ", what(item, names),
    h("p", { class: "waits" }, h("span", { testid: "escalation-waits" }, t(`supervisor.waits.${item.waits_for}`)), " · ",
      h("time", { datetime: item.due_at }, t("supervisor.due", { at: localTime(item.due_at) })), " · ",
      h("span", { class: "overdue" }, t("supervisor.late", { late: duration(item.late_s) }))),
    h("div", { class: "row" }, actions(item, status, refresh))));
}

// the core catalog names the classic steps; newer ones (record, reply) are named here until it does
const stepName = (step) => (t(`sla.${step}`) !== `sla.${step}` ? t(`sla.${step}`) : t(`supervisor.step.${step}`));

function overdueList(rows, names) {
  if (!rows.length) return h("li", { class: "empty", testid: "overdue-empty" }, t("supervisor.overdue_empty"));
  return rows.map((r) => h("li", { testid: "overdue-item", "data-order-id": r.work_order.id, "data-step": r.step },
    h("a", { href: `#/job/${encodeURIComponent(r.work_order.id)}` }, orderTitle(r.work_order)), " ",
    h("span", {}, `${siteName(names, r.site_id)} ${r.work_order.unit}`), " ", statusChip(r.work_order.status), " ",
    h("span", { class: "overdue" }, t("supervisor.step_late", { step: stepName(r.step), late: duration(r.late_s) })), " ",
    h("span", { class: "hint" }, r.assignee_name ? t("supervisor.assignee", { name: r.assignee_name }) : t("supervisor.unassigned"))));
}

function deadLetterList(rows) {
  if (!rows.length) return h("li", { class: "empty", testid: "dead-letters-empty" }, t("supervisor.dead_letters_empty"));
  return rows.map((d) => h("li", { testid: "dead-letter", "data-id": d.id },
    h("time", { datetime: d.received_at }, localTime(d.received_at)), " ", h("code", { class: "topic" }, d.topic),
    h("p", { class: "hint" }, t("supervisor.dead_letter_reason", { reason: deadLetterReason(d) })),
    h("pre", { class: "payload" }, String(d.payload).slice(0, 300))));
}

export async function showSupervisor(root, { user }) {
  const route = root.dataset.route;
  const names = await siteNames();
  if (root.dataset.route !== route) return; // the user moved on while this loaded: paint nothing over their screen
  const mySites = user.role === "admin" ? [...names.keys()] : user.site_ids || [];
  const site = h("select", { name: "site_id", testid: "queue-site" },
    h("option", { value: "" }, t("supervisor.all_sites")), mySites.map((s) => h("option", { value: s }, siteName(names, s))));
  const status = h("p", { class: "hint", role: "status", testid: "queue-status" });
  const queue = h("ul", { class: "plain escalations", testid: "escalation-queue", "aria-live": "polite" });
  const overdue = h("ul", { class: "plain", testid: "overdue-list" });
  const letters = h("ul", { class: "plain", testid: "dead-letters" });

  let fresh = null, asked = 0;
  const refresh = async () => {
    const mine = ++asked; // answers can cross: only the latest request is shown
    const q = site.value ? `?site_id=${encodeURIComponent(site.value)}` : "";
    try {
      const [body, late, dead] = await Promise.all([api(`/escalations/queue${q}`), api(`/escalations/overdue-work${q}`),
        api("/dead-letters?limit=50").catch(() => [])]);
      if (mine !== asked) return;
      mount(queue, queueList(body, names, status, refresh));
      mount(overdue, overdueList(late, names));
      mount(letters, deadLetterList(dead));
      queue.dataset.count = String(body.items.length);
      fresh?.dueAt(body.next_due_at, body.server_time);
    } catch (err) { status.textContent = errorText(err); }
  };
  site.addEventListener("change", refresh);

  mount(root, h("section", { class: "console", testid: "supervisor-screen" },
    consoleNav(user, "supervisor"),
    h("h1", {}, t("supervisor.title")),
    h("label", { class: "inline-label" }, t("supervisor.site"), site),
    status,
    h("h2", {}, t("supervisor.queue")), queue,
    h("h2", {}, t("supervisor.overdue")), overdue,
    h("h2", {}, t("supervisor.dead_letters")), letters));
  fresh = keepFresh("supervisor", refresh);
  await refresh();
}
