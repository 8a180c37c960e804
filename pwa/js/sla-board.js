/* The SLA board of the service centre: every open order with the countdown of the step running now,
   the most overdue first, overdue rows red and worded "overdue"; steps already missed listed beside. */
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { byUrgency, countdownData, currentStep, missedSteps, stepName } from "./sla.js";
import { statusChip } from "./order-view.js";
import { orderTitle } from "./system-text.js";

const OPEN = ["new", "dispatched", "accepted", "on_site", "in_progress", "completed", "deferred", "disputed"];

/* A table on a tablet or desk; on a phone each row folds into a card (app.css), so nothing scrolls sideways. */
export function slaBoard(orders, pull, names) {
  const shown = orders.filter((o) => OPEN.includes(o.status) || currentStep(o, pull));
  const rows = byUrgency(shown, pull).map((o) => {
    const running = currentStep(o, pull);
    const overdue = running !== null && running.left < 0;
    const missed = missedSteps(o, pull);
    return h("tr", { class: overdue ? "overdue" : "", testid: "sla-row", "data-order-id": o.id, "data-overdue": String(overdue) },
      h("td", { class: "sla-title" }, h("a", { href: `#/job/${encodeURIComponent(o.id)}` }, orderTitle(o, names))),
      h("td", { "data-label": t("board.site_unit") }, `${names.site(o.site_id)} · ${o.unit}`),
      h("td", { class: "inline" }, t(`priority.${o.priority}`)),
      h("td", { class: "inline" }, statusChip(o.status)),
      h("td", { class: "countdown", testid: "sla-countdown", "data-label": t("board.running_step"), "data-countdown": countdownData(o) }),
      h("td", { class: missed.length ? "missed" : "", testid: "sla-missed", "data-label": t("sla.missed") },
        missed.map(stepName).join(t("board.list_separator"))));
  });
  return h("table", { class: "sla", testid: "sla-board" },
    h("thead", {}, h("tr", {},
      [t("order.title"), t("board.site_unit"), t("order.priority"), t("order.status"), t("board.running_step"), t("sla.missed")]
        .map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: 6, class: "empty" }, t("board.nothing")))));
}
