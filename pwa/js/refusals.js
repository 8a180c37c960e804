/* A step the server refused after an offline sync, told on the job screen in the reader's words: which step,
   why (from its error code and the order's status as the server had it), and what to do next. */
import { h } from "./dom.js";
import { t, localTime } from "./i18n.js";

/* A catalog string if there is one, else null. */
const maybe = (key, params) => { const text = t(key, params); return text === key ? null : text; };

/* Why, in words: a wrong status names the status the order is in now; other codes have their own sentence;
   the server's English message is the last resort. */
export function refusalReason(r) {
  if (r.code === "invalid_status" && r.order_status) {
    return t("tech.refusal.invalid_status", { status: t(`status.${r.order_status}`) });
  }
  return maybe(`error.${r.code}`) || r.message;
}

/* What to do next: by code and status, then by code, then the general advice. */
export function refusalNext(r) {
  return maybe(`tech.next.${r.code}.${r.order_status}`) || maybe(`tech.next.${r.code}`) || t("tech.next.default");
}

export function refusalList(rejections) {
  if (!rejections.length) return null;
  // the newest first: the one that just came back is what the technician needs to read
  const newest = [...rejections].sort((a, b) => (b.received_at || "").localeCompare(a.received_at || "") || b.mutation_id - a.mutation_id);
  return h("section", { class: "refusals", testid: "rejections", role: "alert" }, newest.map((r) =>
    h("div", { class: `refusal card${r.seen ? "" : " fresh"}`, testid: "rejection", "data-code": r.code },
      h("p", {}, h("strong", { testid: "rejection-step" }, t("tech.refusal.title", { step: t(`mutation.${r.name}`) })),
        r.received_at ? h("span", { class: "hint" }, " · ", localTime(r.received_at)) : null),
      h("p", { testid: "rejection-reason" }, refusalReason(r)),
      h("p", { testid: "rejection-next" }, h("strong", {}, t("tech.refusal.next")), " ", refusalNext(r)))));
}
