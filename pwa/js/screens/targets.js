/* The service targets (DOMAIN.md "Service targets") as the company and its sites hold them: every target in
   force, read in minutes, hours or working days; a site's own targets added, changed and removed (by its
   supervisor or an admin), the company-wide ones by an admin; and the company's own closures and extra
   working days. Loaded on demand; online (set_service_target, set_company_day). */
import { h, mount } from "../dom.js";
import { t, language } from "../i18n.js";
import { api } from "../api.js";
import { consoleNav, siteNames, siteName, errorText, errorSummary, mutate } from "./console.js";

const OFFICE = ["admin", "supervisor"]; // who the server lets set targets (server/domain/targets.py)
// server/domain/sla.py STEPS and server/domain/targets.py QUALIFIERS and LEVELS: the keys the server accepts
const STEPS = ["record", "reply", "dispatch", "arrive", "feedback", "resolve", "call_back"];
const QUALIFIERS = ["", "repair", "complaint", "help", "emergency", "normal", "urgent",
  "complaint.minor", "complaint.important", "complaint.major"];
// Seconds shown in the largest unit that divides them, days from two on (the codes say "24 hours");
// a working-day target is its own unit.
const UNITS = [["days", 86400], ["hours", 3600], ["minutes", 60], ["seconds", 1]];
const largestUnit = (seconds) => UNITS.find(([unit, size]) => seconds % size === 0 && seconds >= (unit === "days" ? 2 * size : size)) || ["seconds", 1];
const INPUT_UNITS = ["minutes", "hours", "days", "working_days", "seconds"];

const field = (key, input, hint) => h("label", {}, t(key), hint ? h("span", { class: "hint block" }, t(hint)) : null, input);

/* A target key in words: the step, then whom it applies to. */
export function appliesTo(qualifier) {
  if (!qualifier) return t("targets.applies.all");
  if (qualifier.startsWith("type.")) {
    const type = qualifier.slice(5), key = `targets.work_type.${type}`;
    return t("targets.applies.type", { type: t(key) === key ? type : t(key) });
  }
  return t(`targets.applies.${qualifier.replace(".", "_")}`);
}

export function keyText(key) {
  const [step, ...rest] = key.split(".");
  return { step: t(`sla.${step}`), applies: appliesTo(rest.join(".")) };
}

/* 120 seconds → "2 分钟"; 3 working days → "3 个工作日". */
export function targetText(target) {
  if (target.value === null || target.value === undefined) return t("targets.value.none");
  if (target.unit === "working_days") return t(target.value === 1 ? "targets.value.working_day" : "targets.value.working_days", { n: target.value });
  const [unit, size] = largestUnit(target.value);
  return t(`targets.value.${unit}`, { n: target.value / size });
}

/* The form's number and unit for a target (the largest whole unit), and back to what the server takes. */
function inputOf(target) {
  if (!target) return { n: "", unit: "minutes" };
  if (target.unit === "working_days") return { n: target.value, unit: "working_days" };
  const [unit, size] = largestUnit(target.value);
  return { n: target.value / size, unit };
}

function toServer(n, unit) {
  if (unit === "working_days") return { value: n, unit: "working_days" };
  return { value: n * Object.fromEntries(UNITS)[unit], unit: "seconds" };
}

/* The server's code in words: this screen's sentences first, then the consoles' shared ones. */
function failure(err) {
  const key = `targets.error.${err.code}`;
  return t(key) !== key ? t(key) : errorText(err);
}

function amountInputs(target, prefix) {
  const start = inputOf(target);
  const n = h("input", { type: "number", name: "value", min: "0", step: "1", required: true, inputMode: "numeric",
    value: String(start.n), testid: `${prefix}-value` });
  const unit = h("select", { name: "unit", testid: `${prefix}-unit` },
    INPUT_UNITS.map((u) => h("option", { value: u, selected: u === start.unit }, t(`targets.unit.${u}`))));
  return { n, unit, read: () => toServer(Number(n.value), unit.value) };
}

/* One target in force: what it is, its value, and (where this user may) change it or remove it. */
function targetItem(entry, company, { editable, siteId, done }) {
  const { step, applies } = keyText(entry.key);
  const error = errorSummary("target-item-error");
  const amount = amountInputs(entry, "target-edit");
  const send = async (value) => {
    error.textContent = "";
    const args = { key: entry.key, ...value };
    if (siteId) args.site_id = siteId;
    try { await mutate("set_service_target", args); done(t(value.value === null ? "targets.removed" : "targets.saved", { step, applies })); }
    catch (err) { error.textContent = failure(err); }
  };
  const inherited = siteId && company ? h("span", { class: "hint block", testid: "target-company-value" },
    t("targets.company_value", { value: targetText(company) })) : null;
  return h("li", { class: "target", testid: "target-item", "data-key": entry.key, "data-site-id": siteId || "" },
    h("strong", {}, step), " · ", h("span", {}, applies), " ",
    h("span", { class: "chip", testid: "target-value" }, targetText(entry)), inherited, error,
    editable ? h("details", {}, h("summary", { testid: "target-edit" }, t("targets.edit")),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); send(amount.read()); } },
        field("targets.value_label", amount.n), field("targets.unit_label", amount.unit),
        h("button", { type: "submit", testid: "target-save" }, t("targets.save"))),
      h("button", { type: "button", class: siteId ? "danger" : "", testid: "target-remove", onclick: () => send({ value: null, unit: entry.unit }) },
        t(siteId ? "targets.remove" : "targets.reset"))) : null);
}

/* Add (or change) one of a site's own targets: step, whom it applies to, how long. */
function overrideForm(siteId, workTypes, done) {
  const error = errorSummary("target-add-error");
  const step = h("select", { name: "step", testid: "target-add-step" }, STEPS.map((s) => h("option", { value: s }, t(`sla.${s}`))));
  const qualifiers = [...QUALIFIERS, ...workTypes.map((w) => `type.${w}`)];
  const applies = h("select", { name: "applies", testid: "target-add-applies" }, qualifiers.map((q) => h("option", { value: q }, appliesTo(q))));
  const amount = amountInputs(null, "target-add");
  return h("form", { class: "card", testid: "target-add", "data-site-id": siteId, onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    const key = applies.value ? `${step.value}.${applies.value}` : step.value;
    try {
      await mutate("set_service_target", { key, site_id: siteId, ...amount.read() });
      const words = keyText(key);
      done(t("targets.saved", words));
    } catch (err) { error.textContent = failure(err); step.focus(); }
  } }, h("h3", {}, t("targets.add")), error,
  h("div", { class: "grid2" }, field("targets.step_label", step), field("targets.applies_label", applies),
    field("targets.value_label", amount.n), field("targets.unit_label", amount.unit)),
  h("button", { type: "submit", class: "primary", testid: "target-add-submit" }, t("targets.add_submit")));
}

/* In the procedure's order: step by step, the broadest target of each step first. */
function byProcedure(a, b) {
  const rank = (key) => {
    const [step, ...rest] = key.split("."), q = QUALIFIERS.indexOf(rest.join("."));
    return [STEPS.indexOf(step), q < 0 ? QUALIFIERS.length : q, key];
  };
  const [x, y] = [rank(a.key), rank(b.key)];
  return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
}

function companySection(company, user, done) {
  return [h("h2", {}, t("targets.company")),
    h("p", { class: "hint" }, t(user.role === "admin" ? "targets.company_hint_admin" : "targets.company_hint_supervisor")),
    h("ul", { class: "plain targets", testid: "company-targets" },
      company.map((entry) => targetItem(entry, null, { editable: user.role === "admin", siteId: null, done })))];
}

function siteSection(siteId, names, own, byKey, workTypes, done) {
  return h("section", { testid: "site-targets", "data-site-id": siteId },
    h("h2", {}, t("targets.site", { site: siteName(names, siteId) })),
    own.length
      ? h("ul", { class: "plain targets" }, own.map((entry) => targetItem(entry, byKey.get(entry.key), { editable: true, siteId, done })))
      : h("p", { class: "empty", testid: "site-targets-empty" }, t("targets.site_none")),
    overrideForm(siteId, workTypes, done));
}

const dayText = (day) => new Date(`${day}T12:00:00Z`).toLocaleDateString(language(), { year: "numeric", month: "long", day: "numeric", weekday: "short", timeZone: "UTC" });

function daysSection(days, user, done) {
  const admin = user.role === "admin";
  const error = errorSummary("day-error");
  const send = async (args, message) => {
    error.textContent = "";
    try { await mutate("set_company_day", args); done(message); } catch (err) { error.textContent = failure(err); }
  };
  const items = days.map((d) => h("li", { testid: "company-day", "data-day": d.day, "data-working": String(d.working) },
    h("strong", {}, dayText(d.day)), " ",
    h("span", { class: `chip${d.working ? " ok" : ""}` }, t(d.working ? "targets.day_working" : "targets.day_closed")),
    d.reason ? [" ", h("span", {}, d.reason)] : null,
    admin ? [" ", h("button", { type: "button", testid: "company-day-remove",
      onclick: () => send({ day: d.day, working: null }, t("targets.day_removed", { day: dayText(d.day) })) },
    t("targets.day_remove"))] : null));
  const day = h("input", { type: "date", name: "day", required: true, testid: "company-day-date" });
  const working = h("select", { name: "working", testid: "company-day-working" },
    h("option", { value: "false" }, t("targets.day_closed")), h("option", { value: "true" }, t("targets.day_working")));
  const reason = h("input", { name: "reason", maxLength: 200, testid: "company-day-reason" });
  const form = admin ? h("form", { class: "card", testid: "company-day-add", onsubmit: (e) => {
    e.preventDefault();
    send({ day: day.value, working: working.value === "true", reason: reason.value.trim() }, t("targets.day_saved", { day: dayText(day.value) }));
  } }, h("h3", {}, t("targets.day_add")), error,
  h("div", { class: "grid2" }, field("targets.day_label", day), field("targets.day_kind", working), field("targets.day_reason", reason, "targets.day_reason_hint")),
  h("button", { type: "submit", class: "primary", testid: "company-day-submit" }, t("targets.day_submit"))) : null;
  return [h("h2", {}, t("targets.days")), h("p", { class: "hint" }, t("targets.days_hint")), admin ? null : error,
    h("ul", { class: "plain", testid: "company-days" }, items.length ? items : h("li", { class: "empty" }, t("targets.days_none"))), form];
}

export async function showTargets(root, { user }) {
  if (!OFFICE.includes(user.role)) {
    mount(root, h("section", { class: "console", testid: "targets-screen", "data-allowed": "false" },
      h("h1", {}, t("targets.title")), h("p", { role: "alert" }, t("targets.not_allowed"))));
    return;
  }
  const status = h("p", { class: "hint", role: "status", testid: "targets-status" });
  const body = h("div", {});
  const refresh = async (message) => {
    try {
      const [names, targets, days] = await Promise.all([siteNames(), api("/service-targets"), api("/company-days")]);
      targets.sort(byProcedure);
      const company = targets.filter((e) => e.site_id === null);
      const byKey = new Map(company.map((e) => [e.key, e]));
      const workTypes = [...new Set(targets.map((e) => e.key.split(".")).filter((p) => p[1] === "type").map((p) => p[2]))];
      const sites = user.role === "admin" ? [...names.keys()] : (user.site_ids || []);
      mount(body, companySection(company, user, refresh),
        sites.map((s) => siteSection(s, names, targets.filter((e) => e.site_id === s), byKey, workTypes, refresh)),
        daysSection(days, user, refresh));
      if (typeof message === "string") status.textContent = message;
    } catch (err) { status.textContent = failure(err); }
  };
  mount(root, h("section", { class: "console", testid: "targets-screen", "data-allowed": "true" },
    consoleNav(user, "targets"),
    h("h1", {}, t("targets.title")),
    h("p", {}, t("targets.intro")),
    status, body));
  await refresh();
}
