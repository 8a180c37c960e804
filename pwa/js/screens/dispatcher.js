/* The service centre's board: dispatch new work to the technicians of each order's site, the SLA
   board with overdue work highlighted, refusals and conflicts to review and resolve (each once, in
   the reader's language), the call-back queue (回访) with due dates and attempts, and the alarm board. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { listObjects, listRejections, listOutbox, transact, promised } from "../db.js";
import { enqueue, pendingCounts, clientId } from "../../sync.js";
import { api } from "../api.js";
import { lastPull, startCountdowns } from "../sla.js";
import { slaBoard } from "../sla-board.js";
import { statusChip, pendingBadge, namesOf, conflictLine, deferredNote, callBackHistory, tOr, stillOn } from "../order-view.js";
import { siteTechnicians, technicianPicker } from "./job.js";
import { alarmBoard, followAlarms } from "./guard.js";
import { orderTitle } from "../system-text.js";

/* In-page jumps: the hash belongs to the router, so scroll instead of linking to #ids. */
const jump = (id, key) => h("button", { type: "button", onclick: () => document.getElementById(id)?.scrollIntoView() }, t(key));

const RESOLUTIONS = ["redone", "upheld", "dismissed"];
/* The technician chosen for each order survives a board refresh between choosing and pressing Dispatch. */
const picked = new Map();
const drafts = new Map(); // conflict id -> the resolution being filled in, likewise
const callBackDrafts = new Map(); // order id -> the call-back being recorded, likewise
/* The queue's due dates come from the server; on a weak signal the board falls back to the replica. */
const QUEUE_TIMEOUT_MS = 4000;

const orderLink = (o, names) => h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, `${orderTitle(o, names)} · ${names.site(o.site_id)} ${o.unit}`);

async function dismissRejection(mutationId) {
  await transact(["rejections"], "readwrite", async (s) => {
    const r = await promised(s.rejections.get(mutationId));
    if (r) s.rejections.put({ ...r, dismissed: true });
  });
}

/* Each refusal once: the server's conflicts (resolvable, with the order), then this device's own
   rejections that no conflict already stands for (a refused step with no order to hang it on). */
async function reviewItems(orders, names, act, rerender) {
  const me = await clientId();
  const resolving = new Set((await listOutbox()).filter((m) => m.name === "resolve_conflict").map((m) => m.args.conflict_id));
  const conflicts = orders.flatMap((o) => (o.conflicts || []).filter((c) => !c.resolved_at).map((c) => ({ o, c })));
  const covered = new Set(conflicts.filter(({ c }) => c.client_id === me).map(({ c }) => c.mutation_id));
  const rejections = await listRejections();
  const items = conflicts.map(({ o, c }) => {
    if (resolving.has(c.id)) {
      return h("li", { testid: "review-conflict", "data-conflict-id": c.id, "data-resolving": "true" }, orderLink(o, names), " — ", t("office.resolving"));
    }
    const draft = drafts.get(c.id) || {};
    const resolution = h("select", { name: "resolution", testid: "resolve-resolution" },
      RESOLUTIONS.map((r) => h("option", { value: r, selected: r === draft.resolution }, t(`resolution.${r}`))));
    const note = h("input", { name: "note", testid: "resolve-note", autocomplete: "off", value: draft.note || "" });
    const keep = () => drafts.set(c.id, { resolution: resolution.value, note: note.value });
    resolution.addEventListener("change", keep);
    note.addEventListener("input", keep);
    return h("li", { testid: "review-conflict", "data-conflict-id": c.id, "data-order-id": o.id }, orderLink(o, names), h("br"), conflictLine(c, names),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); keep(); const d = drafts.get(c.id);
        drafts.delete(c.id);
        act("resolve_conflict", { conflict_id: c.id, resolution: d.resolution, note: d.note.trim() }); } },
        h("label", {}, t("office.resolution"), resolution), h("label", {}, t("office.resolution_note"), note),
        h("button", { type: "submit", testid: "resolve-submit" }, t("office.resolve"))));
  });
  for (const r of rejections) {
    if (r.dismissed || covered.has(r.mutation_id)) continue;
    const o = orders.find((w) => w.id === r.object_id);
    items.push(h("li", { testid: "review-rejection" }, o ? [orderLink(o, names), h("br")] : null,
      h("strong", {}, tOr(`mutation.${r.name}`, r.name)), " — ", tOr(`error.${r.code}`, r.message), " ",
      h("button", { type: "button", testid: "rejection-dismiss", onclick: async () => { await dismissRejection(r.mutation_id); rerender(); } }, t("office.dismiss"))));
  }
  return items;
}

/* Orders owed a call-back that reaches the customer: the server's queue (due dates, attempts) when
   online, else what the replica knows; the attempts themselves are read from the order. */
async function callBackQueue(orders) {
  const byId = new Map(orders.map((o) => [o.id, o]));
  let queue = null;
  try {
    if (navigator.onLine) queue = await api("/call-backs", { signal: AbortSignal.timeout(QUEUE_TIMEOUT_MS) });
  } catch (_) { queue = null; }
  if (!Array.isArray(queue)) {
    // the server's rule: every complaint and every urgent or emergency job once fixed; any signed-off job may be called
    const owed = (o) => o.category === "complaint" || o.priority !== "normal" || (o.sla || []).some((s) => s.step === "call_back");
    queue = orders.filter((o) => !o.called_back_at && (o.status === "signed_off" || (["completed", "disputed"].includes(o.status) && owed(o))))
      .map((o) => ({ work_order_id: o.id, due_at: null, overdue: false, reporter: o.reporter }));
  }
  return queue.map((q) => ({ ...q, o: byId.get(q.work_order_id) }))
    .filter(({ o }) => o && !o.called_back_at && o.status !== "closed");
}

let notice = ""; // why the last step pressed on the board was refused on this device

export async function showDispatcher(root, { user, params, again = false }) {
  const rerender = () => showDispatcher(root, { user, params, again: true });
  const pull = await lastPull();
  const orders = (await listObjects("work_order")).map((r) => r.value);
  const names = await namesOf();
  const counts = await pendingCounts();
  // The order may have changed under the press (a pull landed meanwhile): the local rules refuse the step,
  // the board says why and redraws from what is now known, instead of failing silently.
  const act = async (name, args) => {
    try { await enqueue(name, args); notice = ""; } catch (err) { notice = tOr(`error.${err.code}`, err.message); }
    document.dispatchEvent(new CustomEvent("fieldops:changed"));
    rerender();
  };
  const focusId = params[0] === "dispatch" ? params[1] : null;

  // every await first, then the elements: what is mounted is what the user goes on to edit
  const toDispatch = orders.filter((o) => o.status === "new" || o.status === "deferred");
  const techniciansOf = new Map();
  for (const site of new Set(toDispatch.map((o) => o.site_id))) techniciansOf.set(site, await siteTechnicians(site));
  const queue = await callBackQueue(orders);
  const alarms = await alarmBoard(root, { rerender });
  const review = await reviewItems(orders, names, act, rerender);
  const dispatchRows = toDispatch.map((o) => {
    const technicians = techniciansOf.get(o.site_id);
    const pick = technicianPicker(technicians, picked.get(o.id));
    pick.addEventListener("change", () => picked.set(o.id, pick.value));
    return h("li", { class: o.id === focusId ? "focus" : "", testid: "dispatch-item", "data-order-id": o.id },
      orderLink(o, names), " ", statusChip(o.status), " ", t(`category.${o.category}`), " · ", t(`priority.${o.priority}`),
      pendingBadge(counts.byOrder[o.id]), deferredNote(o),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); act("dispatch", { work_order_id: o.id, technician_id: picked.get(o.id) ?? pick.value }); picked.delete(o.id); } },
        pick, h("button", { type: "submit", class: "primary", testid: "dispatch-submit", disabled: !technicians.length }, t("dispatch.submit")),
        technicians.length ? null : h("span", { class: "warn", testid: "no-technician" }, t("office.no_technician", { site: names.site(o.site_id) }))));
  });

  const callBacks = queue.map(({ o, due_at: due, overdue, reporter }) => {
    const draft = callBackDrafts.get(o.id) || {};
    const reached = h("input", { type: "checkbox", name: "reached", testid: "callback-reached", checked: Boolean(draft.reached) });
    const satisfied = h("input", { type: "checkbox", name: "satisfied", testid: "callback-satisfied", checked: Boolean(draft.satisfied) });
    const comment = h("input", { name: "comment", testid: "callback-comment", required: true, autocomplete: "off", value: draft.comment || "" });
    const keep = () => callBackDrafts.set(o.id, { reached: reached.checked, satisfied: satisfied.checked, comment: comment.value });
    for (const el of [reached, satisfied, comment]) el.addEventListener("input", keep);
    const customer = reporter || o.reporter || {};
    return h("li", { testid: "callback-item", "data-order-id": o.id }, orderLink(o, names), " ", statusChip(o.status), h("br"),
      h("span", { testid: "callback-customer" }, customer.name || t("office.no_name")), " ",
      customer.phone ? h("a", { href: `tel:${customer.phone}`, class: "button" }, customer.phone) : null, " ",
      h("span", { testid: "callback-due", class: overdue ? "overdue" : "" }, due ? t(overdue ? "office.due_overdue" : "office.due", { at: localTime(due) }) : t("office.due_unknown")), " · ",
      h("span", { testid: "callback-attempts" }, t("office.attempts", { n: (o.call_backs || []).length })),
      callBackHistory(o, names),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault();
        keep(); const d = callBackDrafts.get(o.id);
        callBackDrafts.delete(o.id);
        const args = { work_order_id: o.id, reached: d.reached, comment: d.comment.trim() };
        if (d.reached) args.satisfied = d.satisfied;
        act("call_back", args); } },
      h("label", { class: "check" }, reached, t("callback.reached")), h("label", { class: "check" }, satisfied, t("callback.satisfied")),
      h("label", {}, t("office.callback_comment"), comment), h("button", { type: "submit", testid: "callback-submit" }, t("callback.submit"))));
  });

  if (!stillOn("board")) return;
  mount(root, h("section", { class: "board", testid: "dispatcher-screen" },
    notice ? h("p", { class: "error", role: "alert", testid: "board-notice" }, notice) : null,
    h("nav", { class: "row" }, h("a", { href: "#/report", class: "button primary", accesskey: "n", testid: "new-report" }, t("report.new")),
      h("a", { href: "#/month", class: "button", testid: "month-report-link" }, t("monthly.nav")),
      jump("board-sla", "board.sla"), jump("board-review", "board.review"),
      jump("board-callback", "board.callback"), jump("board-alarms", "board.alarms")),
    h("h2", {}, t("board.dispatch")),
    h("ul", { class: "plain", testid: "dispatch-list" }, dispatchRows.length ? dispatchRows : h("li", { class: "empty" }, t("board.nothing"))),
    h("h2", { id: "board-sla" }, t("board.sla")),
    slaBoard(orders, pull, names),
    h("h2", { id: "board-review" }, t("board.review")),
    h("ul", { class: "plain", testid: "review-list" }, review.length ? review : h("li", { class: "empty" }, t("board.nothing"))),
    h("h2", { id: "board-callback" }, t("board.callback")),
    h("ul", { class: "plain", testid: "callback-list" }, callBacks.length ? callBacks : h("li", { class: "empty" }, t("board.nothing"))),
    h("h2", { id: "board-alarms" }, t("board.alarms")),
    alarms));
  startCountdowns(root, pull);
  if (!again) followAlarms(rerender);
}
