/* The monthly report (DOMAIN.md statistics) for the service centre, supervisors and admins: a month
   and a site, the figures, charts and the orders behind each missed rate, in the reader's language,
   with the CSV and the printable page fetched with the bearer token (a plain link would be a 401).
   Loaded on demand (routes.js `lazy`); it needs the network, so it is not part of the offline shell. */
import { h, mount } from "../dom.js";
import { t, language } from "../i18n.js";
import { api, ApiError } from "../api.js";
import { listObjects } from "../db.js";
import { orderNumber } from "../order-number.js";
import { orderTitle } from "../system-text.js";

const ROLES = ["dispatcher", "supervisor", "admin"];
const FIRST_YEAR = 2000; // the server's window starts at 2000-01 (server/reports/window.py)
// the app re-renders the screen after every sync (30 s); a report is a month's figures, not live data
const CACHE_MS = 5 * 60 * 1000;
const cache = new Map();

/* Durations and times in the words of the printable page (server/reports/words.py, same rules). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return t("monthly.na");
  if (seconds < 59.5) return t("monthly.dur.s", { s: Math.round(seconds) });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t("monthly.dur.m", { m: minutes });
  if (minutes < 24 * 60) {
    const hours = Math.floor(minutes / 60), m = minutes % 60;
    return m ? t("monthly.dur.hm", { h: hours, m }) : t("monthly.dur.h", { h: hours });
  }
  const d = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
  return hours ? t("monthly.dur.dh", { d, h: hours }) : t("monthly.dur.d", { d });
}

function zoneParts(iso, zone) {
  const format = new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "longOffset" });
  return Object.fromEntries(format.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
}

/* "2026-03-10 09:00" in the company's zone, whatever zone the device is in. */
export function companyTime(iso, zone) {
  if (!iso) return "";
  const p = zoneParts(iso, zone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

const utcOffset = (iso, zone) => { const name = zoneParts(iso, zone).timeZoneName; return name === "GMT" ? "+00:00" : name.slice(3); };
export const rate = (value) => (value === null || value === undefined ? t("monthly.na") : `${(value * 100).toFixed(1)}%`);

/* What a miss adds beyond its columns, worded as the printable page words it. */
function detail(miss, zone) {
  const words = [];
  if (miss.rework_of_no) words.push(t("monthly.detail.rework_of", { value: miss.rework_of_no }));
  if (miss.complaint_level) words.push(t("monthly.detail.complaint_level", { value: t(`monthly.level.${miss.complaint_level}`) }));
  if (miss.resolve_by) words.push(t("monthly.detail.resolve_by", { value: companyTime(miss.resolve_by, zone) }));
  if ("completed_at" in miss) {
    words.push(miss.completed_at ? t("monthly.detail.completed_at", { value: companyTime(miss.completed_at, zone) }) : t("monthly.detail.not_completed"));
  }
  if (miss.fixed_at) words.push(t("monthly.detail.fixed_at", { value: companyTime(miss.fixed_at, zone) }));
  return words.join(language() === "en" ? "; " : "；");
}

/* Year and month as two selects worded by the app's language (a native month input is worded by the
   browser's, which on a shared office PC is often not the reader's). */
function monthPicker(month) {
  const [year, number] = month.split("-").map(Number);
  const last = Math.max(new Date().getFullYear() + 1, year);
  const years = Array.from({ length: last - FIRST_YEAR + 1 }, (_, i) => last - i);
  const name = new Intl.DateTimeFormat(language(), { month: "long", timeZone: "UTC" });
  const yearPick = h("select", { name: "year", testid: "month-year" }, years.map((y) => h("option", { value: String(y) }, t("monthly.year_n", { n: y }))));
  const monthPick = h("select", { name: "month", testid: "month-number" }, Array.from({ length: 12 }, (_, i) =>
    h("option", { value: String(i + 1).padStart(2, "0") }, name.format(Date.UTC(2000, i, 15)))));
  yearPick.value = String(year);
  monthPick.value = String(number).padStart(2, "0");
  return { yearPick, monthPick, value: () => `${yearPick.value}-${monthPick.value}` };
}

function currentMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

const query = (month, siteId, extra = {}) => new URLSearchParams({ month, ...(siteId ? { site_id: siteId } : {}), ...extra }).toString();

function problem(error) {
  if (!(error instanceof ApiError)) return t("monthly.offline");
  const key = `monthly.error.${error.code}`;
  return t(key) === key ? t("monthly.error.other", { message: error.message }) : t(key);
}

/* One request per report and language: a render that starts while another waits shares its answer. */
function fetched(key, load, fresh) {
  const hit = cache.get(key);
  if (hit && !fresh && Date.now() - hit.at < CACHE_MS) return hit.value;
  const value = load();
  cache.set(key, { at: Date.now(), value });
  value.catch(() => cache.delete(key)); // a failure is not kept: the next render asks again
  return value;
}

async function sitesOf(user) {
  const sites = (await listObjects("site")).map((r) => r.value);
  if (sites.length) return sites;
  try { return await api("/sites"); } catch (_) { return (user.site_ids || []).map((id) => ({ id, name: id })); }
}

function loadStylesheet() {
  if (document.querySelector("link[data-month-report]")) return Promise.resolve();
  const link = h("link", { rel: "stylesheet", href: "month-report.css", "data-month-report": "" });
  const loaded = new Promise((done) => { link.onload = done; link.onerror = done; });
  document.head.append(link);
  return loaded;
}

/* The CSV as a file with the server's name for it, fetched with the token. */
async function downloadCsv(month, siteId) {
  const res = await api(`/reports/monthly?${query(month, siteId, { format: "csv", lang: language() })}`, { raw: true });
  if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, res.statusText);
  const blob = await res.blob();
  const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "")?.[1] || `fieldops-${month}-${siteId || "all"}.csv`;
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60 * 1000);
}

/* The server's printable page in a sandboxed frame: no script of it runs, we print it from here. */
async function showPrintable(slot, month, siteId) {
  const key = `html|${month}|${siteId}|${language()}`;
  const html = await fetched(key, async () => {
    const res = await api(`/reports/monthly.html?${query(month, siteId, { lang: language() })}`, { raw: true });
    if (!res.ok) throw new ApiError(res.status, `http_${res.status}`, res.statusText);
    return res.text();
  });
  const frame = h("iframe", { class: "printable", title: t("monthly.frame_title"), testid: "month-printable-frame" });
  frame.setAttribute("sandbox", "allow-same-origin allow-modals");
  frame.addEventListener("load", () => {
    const doc = frame.contentDocument;
    doc.querySelectorAll(".noprint").forEach((el) => el.remove()); // its own print button needs a script
    frame.style.height = `${doc.documentElement.scrollHeight + 16}px`;
    frame.dataset.loaded = "true";
  });
  frame.srcdoc = html;
  mount(slot, h("div", { class: "row noprint" },
    h("button", { type: "button", class: "primary", testid: "month-printable-print", onclick: () => frame.contentWindow.print() }, t("monthly.print")),
    h("button", { type: "button", testid: "month-printable-close", onclick: () => { slot.replaceChildren(); slot.dataset.open = ""; } }, t("monthly.close"))),
  frame);
  slot.dataset.open = "true";
}

function figures(report) {
  const decided = report.on_time_counts;
  const rows = [
    ["orders_total", "monthly.orders_total", String(report.counts.total)],
    ["cancelled", "monthly.cancelled", String(report.counts.cancelled)],
    ["rework_rate", "monthly.rework_rate", rate(report.rework_rate)],
    ["call_back_rate", "monthly.call_back_rate", rate(report.call_back_rate)],
    ["complaints_in_time", "monthly.complaints_in_time", rate(report.complaints.resolved_in_time)],
    ["ack_p50", "monthly.ack_p50", duration(report.alarm_ack_s.p50)],
    ["ack_p90", "monthly.ack_p90", duration(report.alarm_ack_s.p90)],
    ...Object.keys(report.on_time).map((s) => [`on_time.${s}`, null, rate(report.on_time[s])
      + (decided[s].due ? ` (${t("monthly.of", { hits: decided[s].met, total: decided[s].due })})` : ""), s]),
  ];
  return h("table", { class: "month-figures", testid: "month-figures" }, h("tbody", {}, rows.map(([name, key, value, step]) =>
    h("tr", { "data-figure": name }, h("th", { scope: "row" }, step ? t("monthly.on_time_step", { step: t(`monthly.step.${step}`) }) : t(key)),
      h("td", { testid: "figure-value" }, value)))));
}

/* A horizontal bar chart in HTML: readable at 360 px, printable, its numbers in text beside each bar. */
function bars(name, title, items, scale, shown, target) {
  return h("figure", { class: "bars", testid: `chart-${name}` }, h("figcaption", {}, title),
    items.map(([key, label, value]) => {
      const bar = h("span", { class: "bar" });
      bar.style.width = `${value === null || scale <= 0 ? 0 : Math.max(0, Math.min(1, value / scale)) * 100}%`;
      const track = h("span", { class: "bar-track" }, bar, target ? h("span", { class: "bar-target" }) : null);
      return h("div", { class: "bar-row", "data-key": key }, h("span", { class: "bar-label" }, label), track,
        h("span", { class: "bar-value", testid: "bar-value" }, value === null ? t("monthly.na") : shown(value)));
    }));
}

function charts(report) {
  const count = (n) => String(n);
  const scaled = (values) => Math.max(1, ...values);
  const byCategory = Object.entries(report.counts.by_category), byPriority = Object.entries(report.counts.by_priority);
  const levels = Object.entries(report.complaints.by_level);
  return h("div", { class: "charts" },
    bars("on-time", t("monthly.chart_on_time"), Object.entries(report.on_time).map(([s, v]) => [s, t(`monthly.step.${s}`), v]), 1, rate, true),
    bars("category", t("monthly.chart_category"), byCategory.map(([c, n]) => [c, t(`monthly.category.${c}`), n]), scaled(byCategory.map((e) => e[1])), count),
    bars("priority", t("monthly.chart_priority"), byPriority.map(([p, n]) => [p, t(`monthly.priority.${p}`), n]), scaled(byPriority.map((e) => e[1])), count),
    bars("levels", t("monthly.chart_levels"), levels.map(([l, n]) => [l, t(`monthly.level.${l}`), n]), scaled(levels.map((e) => e[1])), count));
}

function misses(report) {
  const zone = report.window.time_zone;
  const columns = ["col_no", "col_title", "col_site", "col_assignee", "col_elapsed", "col_target", "col_detail"].map((c) => t(`monthly.${c}`));
  const tables = Object.entries(report.misses).filter(([, list]) => list.length).map(([figure, list]) => [
    h("h3", { id: `miss-${figure}` }, t("monthly.misses_of", { title: t(`monthly.miss.${figure}`), n: list.length })),
    h("table", { class: "misses", testid: "miss-table", "data-figure": figure },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, list.map((m) => {
        const cells = [
          h("a", { href: `#/job/${encodeURIComponent(m.work_order_id)}`, "aria-label": t("monthly.open_order", { no: orderNumber(m.work_order_id) }) },
            orderNumber(m.work_order_id)),
          orderTitle(m), m.site_name, m.assignee_name || t("monthly.nobody"),
          "elapsed_s" in m ? duration(m.elapsed_s) : "", "target_s" in m ? duration(m.target_s) : "", detail(m, zone)];
        return h("tr", { testid: "miss-row", "data-work-order-id": m.work_order_id },
          cells.map((cell, i) => h("td", { "data-label": columns[i] }, cell)));
      }))),
  ]);
  return tables.length ? tables : h("p", { class: "empty", testid: "no-misses" }, t("monthly.no_misses"));
}

function body(report) {
  const zone = report.window.time_zone;
  return [
    h("h2", { testid: "month-heading" }, t("monthly.heading", { month: report.month, scope: report.site_name || t("monthly.all_sites") })),
    h("p", { class: "hint", testid: "month-window" }, t("monthly.window", {
      start: companyTime(report.window.start, zone), end: companyTime(report.window.end, zone), zone,
      offset: utcOffset(report.window.start, zone), generated: companyTime(report.generated_at, zone) })),
    h("h2", {}, t("monthly.figures")), figures(report),
    h("h2", {}, t("monthly.charts")), charts(report),
    h("h2", {}, t("monthly.misses")), misses(report),
  ];
}

export async function showMonthReport(root, { user, params, fresh = false }) {
  if (!ROLES.includes(user.role)) {
    mount(root, h("section", { testid: "month-screen" }, h("h1", {}, t("monthly.screen_title")), h("p", { class: "error" }, t("monthly.not_allowed"))));
    return;
  }
  const month = /^\d{4}-\d{2}$/.test(params[0] || "") ? params[0] : currentMonth();
  const siteId = params[1] || "";
  const key = `json|${month}|${siteId}|${language()}`;
  // a re-render after a sync changes nothing here: keep the screen (and an open printable page) as it is,
  // loaded or still loading; only a failed load is tried again
  if (!fresh && root.dataset.monthKey === key && root.querySelector("[data-testid=month-screen]")
      && !root.querySelector("[data-testid=month-error]")) return;
  root.dataset.monthKey = key; // claimed before the first await, so a render that starts meanwhile stops above
  mount(root, h("section", { class: "month-report", testid: "month-screen" }, h("h1", {}, t("monthly.screen_title")),
    h("p", { class: "hint" }, t("monthly.loading"))));
  await loadStylesheet();
  const sites = await sitesOf(user);
  // the user went elsewhere (or asked for another month) while we waited: that screen is theirs now
  if (root.dataset.monthKey !== key || root.dataset.route !== "month") return;
  const open = (m, s, again) => {
    const hash = `#/month/${m}${s ? `/${encodeURIComponent(s)}` : ""}`;
    if (location.hash === hash) showMonthReport(root, { user, params: [m, s], fresh: again });
    else location.hash = hash;
  };
  const picker = monthPicker(month);
  const sitePick = h("select", { name: "site_id", testid: "month-site" }, h("option", { value: "" }, t("monthly.all_sites")),
    sites.map((s) => h("option", { value: s.id }, s.name || s.id)));
  sitePick.value = siteId;
  const message = h("p", { class: "error", role: "alert", testid: "month-message" });
  const printable = h("div", { class: "printable-slot", testid: "month-printable" });
  const content = h("div", { testid: "month-content", "aria-busy": "true" }, h("p", { class: "hint" }, t("monthly.loading")));
  const guarded = (action) => async () => { message.textContent = ""; try { await action(); } catch (e) { message.textContent = problem(e); } };

  mount(root, h("section", { class: "month-report", testid: "month-screen" },
    h("h1", {}, t("monthly.screen_title")),
    h("form", { class: "month-controls noprint", testid: "month-form", onsubmit: (e) => { e.preventDefault(); open(picker.value(), sitePick.value, true); } },
      h("label", {}, t("monthly.year"), picker.yearPick), h("label", {}, t("monthly.month"), picker.monthPick),
      h("label", {}, t("monthly.site"), sitePick),
      h("button", { type: "submit", class: "primary", testid: "month-show" }, t("monthly.show"))),
    h("div", { class: "row noprint month-actions" },
      h("button", { type: "button", testid: "month-csv", onclick: guarded(() => downloadCsv(month, siteId)) }, t("monthly.csv")),
      h("button", { type: "button", testid: "month-print", onclick: () => window.print() }, t("monthly.print")),
      h("button", { type: "button", testid: "month-printable-open", onclick: guarded(() => showPrintable(printable, month, siteId)) }, t("monthly.printable"))),
    message, printable, content));
  try {
    const report = await fetched(key, () => api(`/reports/monthly?${query(month, siteId)}`), fresh);
    mount(content, h("div", { testid: "month-report", "data-month": report.month }, body(report)));
  } catch (e) {
    mount(content, h("p", { class: "error", testid: "month-error" }, problem(e)));
  }
  content.removeAttribute("aria-busy");
}
