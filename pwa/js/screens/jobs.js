/* The technician's day: open jobs ordered by SLA urgency (overdue first), each with the countdown
   of the step running now, its status, the site by name and how many steps are still unsent. */
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { listObjects } from "../db.js";
import { pendingCounts } from "../../sync.js";
import { byUrgency, countdownData, lastPull, startCountdowns } from "../sla.js";
import { statusChip, pendingBadge } from "../order-view.js";
import { loadNames } from "../names.js";
import { orderTitle } from "../system-text.js";

const DONE = new Set(["signed_off", "closed", "cancelled"]);

export async function showJobs(root, { user }) {
  const route = root.dataset.route;
  const pull = await lastPull();
  const names = await loadNames();
  const rows = (await listObjects("work_order")).map((r) => ({ ...r.value, _conflict: r.conflict }));
  const mine = rows.filter((o) => !DONE.has(o.status) && (!user || user.role !== "technician" || o.assignee_id === user.id));
  const counts = await pendingCounts();
  const list = h("ol", { class: "job-list", testid: "job-list" }, byUrgency(mine, pull).map((o) =>
    h("li", {}, h("a", { href: `#/job/${encodeURIComponent(o.id)}`, class: `job priority-${o.priority}`, testid: "job-item", "data-order-id": o.id },
      h("span", { class: "job-title" }, orderTitle(o, names)),
      h("span", { class: "job-unit" }, `${names.site(o.site_id)} · ${o.unit}`),
      h("span", { class: "job-meta" }, statusChip(o.status), pendingBadge(counts.byOrder[o.id]),
        h("span", { class: "countdown", testid: "countdown", "data-countdown": countdownData(o) }))))));
  if (root.dataset.route !== route) return; // the user opened a job while the list loaded: paint nothing over it
  mount(root, h("section", { testid: "jobs-screen" },
    h("h1", {}, t("jobs.title")),
    mine.length ? list : h("p", { class: "empty", testid: "jobs-empty" }, t("jobs.empty")),
    h("a", { href: "#/report", class: "button", testid: "new-report" }, t("report.new"))));
  startCountdowns(root, pull);
}
