/* Record a report in under a minute: a keyboard-first form (Enter moves on, Ctrl+Enter saves)
   that queues create_work_order with a browser-made UUIDv7, so it works offline too. */
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { listObjects } from "../db.js";
import { enqueue } from "../../sync.js";
import { uuid7 } from "../uuid7.js";

const CATEGORIES = ["repair", "complaint", "help", "emergency"];
const PRIORITIES = ["normal", "urgent", "emergency"];
const LEVELS = ["minor", "important", "major"];

export async function showNewReport(root, { user }) {
  const sites = (await listObjects("site")).map((r) => r.value);
  const siteIds = sites.length ? sites.map((s) => s.id) : user.site_ids || [];
  const f = {
    site_id: h("select", { name: "site_id", testid: "report-site", required: true }, siteIds.map((id) => h("option", { value: id }, sites.find((s) => s.id === id)?.name || id))),
    unit: h("input", { name: "unit", required: true, testid: "report-unit", autocomplete: "off" }),
    category: h("select", { name: "category", testid: "report-category" }, CATEGORIES.map((c) => h("option", { value: c }, t(`category.${c}`)))),
    priority: h("select", { name: "priority", testid: "report-priority" }, PRIORITIES.map((p) => h("option", { value: p }, t(`priority.${p}`)))),
    complaint_level: h("select", { name: "complaint_level", testid: "report-complaint-level" }, h("option", { value: "" }, "—"), LEVELS.map((l) => h("option", { value: l }, t(`complaint.${l}`)))),
    title: h("input", { name: "title", required: true, testid: "report-title", autocomplete: "off" }),
    description: h("textarea", { name: "description", rows: 3, testid: "report-description" }),
    reporter_name: h("input", { name: "reporter_name", testid: "report-reporter-name", autocomplete: "off" }),
    reporter_phone: h("input", { name: "reporter_phone", type: "tel", testid: "report-reporter-phone", autocomplete: "off" }),
    requested_at: h("input", { name: "requested_at", type: "datetime-local", testid: "report-requested-at" }),
  };
  const message = h("p", { class: "error", role: "alert", testid: "report-message" });
  const form = h("form", { class: "card report", testid: "report-form", onsubmit: async (e) => {
    e.preventDefault();
    const id = uuid7();
    const args = { id, site_id: f.site_id.value, unit: f.unit.value.trim(), category: f.category.value, priority: f.priority.value,
      title: f.title.value.trim(), description: f.description.value.trim(),
      reporter: { name: f.reporter_name.value.trim(), phone: f.reporter_phone.value.trim() } };
    if (f.requested_at.value) args.requested_at = new Date(f.requested_at.value).toISOString();
    if (f.category.value === "complaint" && f.complaint_level.value) args.complaint_level = f.complaint_level.value;
    try {
      await enqueue("create_work_order", args);
      document.dispatchEvent(new CustomEvent("fieldops:changed"));
      location.hash = user.role === "technician" ? `#/job/${id}` : `#/board/dispatch/${id}`;
    } catch (err) { message.textContent = err.message; }
  }, onkeydown: (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    else if (e.key === "Enter" && e.target.tagName === "INPUT") {
      // Enter walks to the next field, as on a paper form; the last one saves
      e.preventDefault();
      const fields = [...form.querySelectorAll("input,select,textarea,button[type=submit]")];
      fields[fields.indexOf(e.target) + 1]?.focus();
    }
  } },
  h("h1", {}, t("report.new")),
  h("div", { class: "grid" },
    h("label", {}, t("order.site"), f.site_id), h("label", {}, t("order.unit"), f.unit),
    h("label", {}, t("order.category"), f.category), h("label", {}, t("order.priority"), f.priority),
    h("label", {}, t("order.complaint_level"), f.complaint_level),
    h("label", { class: "wide" }, t("order.title"), f.title),
    h("label", { class: "wide" }, t("order.description"), f.description),
    h("label", {}, t("order.reporter_name"), f.reporter_name), h("label", {}, t("order.reporter_phone"), f.reporter_phone),
    h("label", {}, t("order.requested_at"), f.requested_at)),
  message,
  h("button", { type: "submit", class: "primary big", testid: "report-submit" }, t("report.save")),
  h("p", { class: "hint" }, t("report.keys")));
  mount(root, form);
  f.unit.focus();
}
