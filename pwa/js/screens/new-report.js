/* Record a report in under a minute: a keyboard-first form (Enter moves on, Ctrl+Enter saves)
   that queues create_work_order with a browser-made UUIDv7, so it works offline too. Every kind
   (repair, complaint with its particulars, help with its kind, emergency), the channel it came by,
   the contact time, the requested or promised time, and for a rework the first order it redoes. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { listObjects, getObject } from "../db.js";
import { enqueue } from "../../sync.js";
import { uuid7 } from "../uuid7.js";
import { statusChip, stillOn } from "../order-view.js";
import { orderTitle } from "../system-text.js";

const CATEGORIES = ["repair", "complaint", "help", "emergency"];
const PRIORITIES = ["normal", "urgent", "emergency"];
const LEVELS = ["minor", "important", "major"];
const CHANNELS = ["phone", "visit", "department", "patrol"];
const HELP_KINDS = ["medical", "enquiry", "security", "disaster", "other"];
const REWORK_MATCHES = 8;

/* Where each role goes once the report is recorded: back to its own board (a technician to the job it
   found on site, a guard on duty after hours to the alarm board, which lists the reports left to
   dispatch; the office to the dispatch board, open at the new order). */
export function boardAfterReport(user, id) {
  if (user.role === "technician") return `#/job/${encodeURIComponent(id)}`;
  if (user.role === "guard") return "#/alarms";
  return `#/board/dispatch/${encodeURIComponent(id)}`;
}

/* datetime-local wants the device's local wall time, without a zone. */
const localInputValue = (date) => new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
const select = (name, testid, values, label, extra = {}) =>
  h("select", { name, testid, ...extra }, values.map((v) => h("option", { value: v }, t(`${label}.${v}`))));

export async function showNewReport(root, { user, params = [] }) {
  const sites = (await listObjects("site")).map((r) => r.value);
  const siteIds = sites.length ? sites.map((s) => s.id) : user.site_ids || [];
  const reworkFirst = params[0] === "rework" && params[1] ? (await getObject("work_order", params[1]))?.value : null;
  const f = {
    site_id: h("select", { name: "site_id", testid: "report-site", required: true }, siteIds.map((id) => h("option", { value: id }, sites.find((s) => s.id === id)?.name || id))),
    unit: h("input", { name: "unit", required: true, testid: "report-unit", autocomplete: "off" }),
    category: select("category", "report-category", CATEGORIES, "category"),
    priority: select("priority", "report-priority", PRIORITIES, "priority"),
    channel: select("channel", "report-channel", CHANNELS, "channel"),
    contacted_at: h("input", { name: "contacted_at", type: "datetime-local", testid: "report-contacted-at", value: localInputValue(new Date()) }),
    complaint_level: h("select", { name: "complaint_level", testid: "report-complaint-level" }, h("option", { value: "" }, t("office.choose")),
      LEVELS.map((l) => h("option", { value: l }, t(`complaint.${l}`)))),
    complaint_about: h("input", { name: "complaint_about", testid: "report-complaint-about", autocomplete: "off" }),
    complaint_happened: h("textarea", { name: "complaint_happened", rows: 2, testid: "report-complaint-happened" }),
    complaint_wants: h("textarea", { name: "complaint_wants", rows: 2, testid: "report-complaint-wants" }),
    help_kind: h("select", { name: "help_kind", testid: "report-help-kind" }, h("option", { value: "" }, t("office.choose")),
      HELP_KINDS.map((k) => h("option", { value: k }, t(`help_kind.${k}`)))),
    title: h("input", { name: "title", required: true, testid: "report-title", autocomplete: "off" }),
    description: h("textarea", { name: "description", rows: 3, testid: "report-description" }),
    reporter_name: h("input", { name: "reporter_name", testid: "report-reporter-name", autocomplete: "off" }),
    reporter_phone: h("input", { name: "reporter_phone", type: "tel", testid: "report-reporter-phone", autocomplete: "off" }),
    requested_at: h("input", { name: "requested_at", type: "datetime-local", testid: "report-requested-at" }),
    rework_search: h("input", { name: "rework_search", type: "search", testid: "report-rework-search", autocomplete: "off" }),
  };
  let reworkOf = reworkFirst?.id ?? null;
  if (reworkFirst) {
    f.site_id.value = reworkFirst.site_id;
    f.unit.value = reworkFirst.unit;
    f.title.value = orderTitle(reworkFirst);
    f.reporter_name.value = reworkFirst.reporter?.name ?? "";
    f.reporter_phone.value = reworkFirst.reporter?.phone ?? "";
  }

  const complaintPart = h("fieldset", { testid: "report-complaint" }, h("legend", {}, t("category.complaint")),
    h("label", {}, t("order.complaint_level"), f.complaint_level),
    h("label", {}, t("complaint_detail.about"), f.complaint_about),
    h("label", {}, t("complaint_detail.happened"), f.complaint_happened),
    h("label", {}, t("complaint_detail.wants"), f.complaint_wants));
  const helpPart = h("fieldset", { testid: "report-help" }, h("legend", {}, t("category.help")), h("label", {}, t("office.help_kind"), f.help_kind));
  const showKind = () => {
    complaintPart.hidden = f.category.value !== "complaint";
    helpPart.hidden = f.category.value !== "help";
    f.complaint_level.required = f.category.value === "complaint";
    f.help_kind.required = f.category.value === "help";
    if (f.category.value === "emergency") f.priority.value = "emergency";
  };
  f.category.addEventListener("change", showKind);
  showKind();

  /* Rework: find the first order by unit or title on the chosen site, pick it, or unlink it. */
  const reworkChosen = h("p", { testid: "report-rework-chosen" });
  const reworkMatches = h("ul", { class: "plain", testid: "report-rework-matches" });
  async function showRework() {
    const first = reworkOf ? (await getObject("work_order", reworkOf))?.value : null;
    reworkChosen.replaceChildren(...(first ? [t("office.rework_of"), ": ", h("strong", {}, `${orderTitle(first)} · ${first.unit}`), " ",
      h("button", { type: "button", testid: "report-rework-clear", onclick: () => { reworkOf = null; showRework(); } }, t("office.unlink"))] : []));
    const q = f.rework_search.value.trim().toLowerCase();
    if (!q) { reworkMatches.replaceChildren(); return; }
    const found = (await listObjects("work_order")).map((r) => r.value)
      .filter((o) => o.site_id === f.site_id.value && o.status !== "cancelled" && (o.unit.toLowerCase().includes(q) || o.title.toLowerCase().includes(q) || orderTitle(o).toLowerCase().includes(q)))
      .sort((a, b) => (b.created_at || "").localeCompare(a.created_at || "")).slice(0, REWORK_MATCHES);
    reworkMatches.replaceChildren(...(found.length ? found.map((o) => h("li", {}, h("button", { type: "button", testid: "report-rework-pick", "data-order-id": o.id,
      // the picked button goes away: focus moves on to saving, so Ctrl+Enter still works from the keyboard
      onclick: async () => { reworkOf = o.id; f.rework_search.value = ""; await showRework(); form.querySelector("[data-testid=report-submit]").focus(); } }, `${orderTitle(o)} · ${o.unit} · ${localTime(o.created_at)}`), " ", statusChip(o.status)))
      : [h("li", { class: "empty" }, t("board.nothing"))]));
  }
  f.rework_search.addEventListener("input", showRework);
  f.site_id.addEventListener("change", showRework);

  const message = h("p", { class: "error", role: "alert", testid: "report-message" });
  const form = h("form", { class: "card report", testid: "report-form", onsubmit: async (e) => {
    e.preventDefault();
    const id = uuid7();
    const category = f.category.value;
    const args = { id, site_id: f.site_id.value, unit: f.unit.value.trim(), category, priority: f.priority.value,
      title: f.title.value.trim(), description: f.description.value.trim(), channel: f.channel.value,
      reporter: { name: f.reporter_name.value.trim(), phone: f.reporter_phone.value.trim() } };
    if (f.contacted_at.value) args.contacted_at = new Date(f.contacted_at.value).toISOString();
    if (f.requested_at.value) args.requested_at = new Date(f.requested_at.value).toISOString();
    if (category === "complaint") {
      args.complaint_level = f.complaint_level.value;
      args.complaint = { about: f.complaint_about.value.trim(), happened: f.complaint_happened.value.trim(), wants: f.complaint_wants.value.trim() };
    }
    if (category === "help") args.help_kind = f.help_kind.value;
    if (reworkOf) args.rework_of = reworkOf;
    try {
      await enqueue("create_work_order", args);
      document.dispatchEvent(new CustomEvent("fieldops:changed"));
      location.hash = boardAfterReport(user, id);
    } catch (err) { message.textContent = err.message; }
  }, onkeydown: (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    else if (e.key === "Enter" && e.target.tagName === "INPUT") {
      // Enter walks to the next visible field, as on a paper form; the last one saves
      e.preventDefault();
      const fields = [...form.querySelectorAll("input,select,textarea,button[type=submit]")].filter((el) => el.offsetParent !== null);
      fields[fields.indexOf(e.target) + 1]?.focus();
    }
  } },
  h("h1", {}, t(reworkOf ? "office.new_rework" : "report.new")),
  h("div", { class: "grid" },
    h("label", {}, t("order.site"), f.site_id), h("label", {}, t("order.unit"), f.unit),
    h("label", {}, t("order.category"), f.category), h("label", {}, t("order.priority"), f.priority),
    h("label", {}, t("office.channel"), f.channel), h("label", {}, t("office.contacted_at"), f.contacted_at),
    h("div", { class: "wide" }, complaintPart, helpPart),
    h("label", { class: "wide" }, t("order.title"), f.title),
    h("label", { class: "wide" }, t("order.description"), f.description),
    h("label", {}, t("order.reporter_name"), f.reporter_name), h("label", {}, t("order.reporter_phone"), f.reporter_phone),
    h("label", {}, t("office.requested_at"), f.requested_at),
    h("div", { class: "wide" }, h("label", {}, t("office.rework_search"), f.rework_search), reworkChosen, reworkMatches)),
  message,
  h("button", { type: "submit", class: "primary big", testid: "report-submit" }, t("report.save")),
  h("p", { class: "hint" }, t("report.keys")));
  // a redraw that set out before the user began typing must not wipe what they typed since
  if (!stillOn("report") || root.querySelector("[data-testid=report-form][data-dirty]")) return;
  form.addEventListener("input", () => { form.dataset.dirty = "true"; });
  mount(root, form);
  await showRework();
  f.unit.focus();
}
