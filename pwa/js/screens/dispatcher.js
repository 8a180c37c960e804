/* The service centre's board: dispatch new work, the SLA board with overdue work highlighted,
   rejections and conflicts to review, the call-back queue (回访) and the alarm board. */
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { listObjects, listRejections } from "../db.js";
import { enqueue, pendingCounts } from "../../sync.js";
import { byUrgency, lastPull, startCountdowns, secondsLeft } from "../sla.js";
import { statusChip, pendingBadge } from "../order-view.js";
import { alarmBoard, followAlarms } from "./guard.js";

/* In-page jumps: the hash belongs to the router, so scroll instead of linking to #ids. */
const jump = (id, key) => h("button", { type: "button", onclick: () => document.getElementById(id)?.scrollIntoView() }, t(key));

const OPEN = ["new", "dispatched", "accepted", "on_site", "in_progress", "completed", "deferred", "disputed"];

/* The server marks refused offline steps on the order; take whichever shape it uses. */
function conflictsOf(o) {
  if (Array.isArray(o.conflicts)) return o.conflicts.filter((c) => !c.resolved_at);
  return (o.events || []).filter((e) => /reject|conflict/i.test(`${e.type ?? ""} ${e.kind ?? ""} ${e.step ?? ""}`));
}

export async function showDispatcher(root, { user, params, again = false }) {
  const rerender = () => showDispatcher(root, { user, params, again: true });
  const pull = await lastPull();
  const orders = (await listObjects("work_order")).map((r) => r.value);
  const technicians = (await listObjects("user")).map((r) => r.value).filter((u) => u.role === "technician");
  const counts = await pendingCounts();
  const act = async (name, args) => { await enqueue(name, args); document.dispatchEvent(new CustomEvent("fieldops:changed")); rerender(); };
  const focusId = params[0] === "dispatch" ? params[1] : null;

  const toDispatch = orders.filter((o) => o.status === "new" || o.status === "deferred");
  const dispatchRows = toDispatch.map((o) => {
    const pick = h("select", { name: "technician_id", testid: "dispatch-technician", "aria-label": t("dispatch.technician") },
      technicians.map((u) => h("option", { value: u.id }, u.name || u.id)));
    return h("li", { class: o.id === focusId ? "focus" : "", testid: "dispatch-item", "data-order-id": o.id },
      h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, `${o.title} · ${o.site_id} ${o.unit}`), " ", statusChip(o.status),
      pendingBadge(counts.byOrder[o.id]),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act("dispatch", { work_order_id: o.id, technician_id: pick.value }); } },
        pick, h("button", { type: "submit", class: "primary", testid: "dispatch-submit", disabled: !technicians.length }, t("dispatch.submit"))));
  });

  const open = byUrgency(orders.filter((o) => OPEN.includes(o.status)), pull);
  const slaRows = open.map((o) => {
    const left = secondsLeft(o, pull);
    const overdue = (left !== null && left < 0) || (o.sla || []).some((s) => s.met === false);
    return h("tr", { class: overdue ? "overdue" : "", testid: "sla-row", "data-order-id": o.id, "data-overdue": String(overdue) },
      h("td", {}, h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, o.title)), h("td", {}, `${o.site_id} ${o.unit}`),
      h("td", {}, t(`priority.${o.priority}`)), h("td", {}, statusChip(o.status)),
      h("td", { class: "countdown", "data-countdown": JSON.stringify({ sla: o.sla || [] }) }),
      h("td", {}, (o.sla || []).filter((s) => s.met === false).map((s) => t(`sla.${s.step}`)).join(", ")));
  });

  const rejections = await listRejections();
  const conflicted = orders.filter((o) => conflictsOf(o).length);
  const review = [
    ...rejections.map((r) => h("li", { testid: "review-rejection" }, t(`mutation.${r.name}`), " — ", r.message,
      r.object_id ? [" ", h("a", { href: `#/job/${encodeURIComponent(r.object_id)}` }, t("review.open"))] : null)),
    ...conflicted.map((o) => h("li", { testid: "review-conflict" }, h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, o.title), ": ",
      conflictsOf(o).map((c) => c.message || c.code || c.type).join("; "))),
  ];

  const callBacks = orders.filter((o) => o.status === "signed_off").map((o) => {
    const reached = h("input", { type: "checkbox", name: "reached", testid: "callback-reached" });
    const satisfied = h("input", { type: "checkbox", name: "satisfied", testid: "callback-satisfied" });
    const comment = h("input", { name: "comment", testid: "callback-comment", required: true });
    return h("li", { testid: "callback-item", "data-order-id": o.id }, h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, `${o.title} · ${o.unit}`),
      o.reporter?.phone ? h("a", { href: `tel:${o.reporter.phone}`, class: "button" }, o.reporter.phone) : null,
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault();
        const args = { work_order_id: o.id, reached: reached.checked, comment: comment.value.trim() };
        if (reached.checked) args.satisfied = satisfied.checked;
        act("call_back", args); } },
      h("label", { class: "check" }, reached, t("callback.reached")), h("label", { class: "check" }, satisfied, t("callback.satisfied")),
      comment, h("button", { type: "submit", testid: "callback-submit" }, t("callback.submit"))));
  });

  mount(root, h("section", { class: "board", testid: "dispatcher-screen" },
    h("nav", { class: "row" }, h("a", { href: "#/report", class: "button primary", accesskey: "n", testid: "new-report" }, t("report.new")),
      jump("board-sla", "board.sla"), jump("board-review", "board.review"),
      jump("board-callback", "board.callback"), jump("board-alarms", "board.alarms")),
    h("h2", {}, t("board.dispatch")),
    h("ul", { class: "plain", testid: "dispatch-list" }, dispatchRows.length ? dispatchRows : h("li", { class: "empty" }, t("board.nothing"))),
    h("h2", { id: "board-sla" }, t("board.sla")),
    h("table", { class: "sla", testid: "sla-board" }, h("thead", {}, h("tr", {},
      [t("order.title"), t("order.unit"), t("order.priority"), t("order.status"), t("sla.left"), t("sla.missed")].map((c) => h("th", {}, c)))),
      h("tbody", {}, slaRows)),
    h("h2", { id: "board-review" }, t("board.review")),
    h("ul", { class: "plain", testid: "review-list" }, review.length ? review : h("li", { class: "empty" }, t("board.nothing"))),
    h("h2", { id: "board-callback" }, t("board.callback")),
    h("ul", { class: "plain", testid: "callback-list" }, callBacks.length ? callBacks : h("li", { class: "empty" }, t("board.nothing"))),
    h("h2", { id: "board-alarms" }, t("board.alarms")),
    await alarmBoard(root, { rerender })));
  startCountdowns(root, pull);
  if (!again) followAlarms(rerender);
}
