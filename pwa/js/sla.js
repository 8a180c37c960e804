/* SLA countdowns: the step running now, by the server's rules (server/domain/sla.py), from the
   order's own step times and the targets the server put in its `sla`. A step that has not started
   is never counted (its target is not a deadline yet), and a step changed offline on this device
   counts from the time it happened here, so the figure is right between pulls too. */
import { getMeta } from "./db.js";
import { t } from "./i18n.js";

/* Where each step starts and ends on the order (server/domain/sla.py step_state). Feedback ends
   when the server has the completion: its own `sla` entry then has an elapsed time. */
const SPANS = {
  reply: ["created_at", "replied_at"], // a call for help: the first response (a note, a dispatch)
  dispatch: ["created_at", "dispatched_at"],
  arrive: ["dispatched_at", "arrived_at"],
  resolve: ["created_at", "completed_at"],
  feedback: ["completed_at", null],
  call_back: ["signed_off_at", "called_back_at"],
};

/* The server's clock as this device best knows it: the last pull's server_time, advanced locally. */
export function serverNow(pull, now = Date.now()) {
  const offset = pull?.server_time ? Date.parse(pull.server_time) - pull.local_time : 0;
  return now + (Number.isFinite(offset) ? offset : 0);
}

/* The deadline: the server's `due_at` once it knows the step started (it counts working days by its
   calendar); for a step started on this device, its start plus the target. A deferred job is judged by
   the time promised to the customer, as on the server. */
function dueOf(order, entry, start) {
  let due = entry.due_at ? Date.parse(entry.due_at) : Date.parse(start) + entry.target_s * 1000;
  if (entry.step === "resolve" && order.promised_at) due = Math.max(due, Date.parse(order.promised_at));
  return due;
}

/* The steps under way (started, not finished) with their deadline and seconds left (negative = late). */
export function runningSteps(order, pull, now = Date.now()) {
  if (order.status === "cancelled") return [];
  const at = serverNow(pull, now);
  const steps = [];
  for (const entry of order.sla || []) {
    const span = SPANS[entry.step];
    const start = span && order[span[0]];
    if (!start) continue;
    const finished = span[1] ? Boolean(order[span[1]]) : entry.elapsed_s !== null && entry.elapsed_s !== undefined;
    if (finished) continue;
    const due = dueOf(order, entry, start);
    steps.push({ step: entry.step, due, left: (due - at) / 1000 });
  }
  return steps;
}

/* The countdown to show: of the steps under way, the one nearest (or furthest past) its deadline —
   dispatch until dispatched, then arrive until on site, resolve until completed, feedback, call-back. */
export function currentStep(order, pull, now = Date.now()) {
  let best = null;
  for (const s of runningSteps(order, pull, now)) if (!best || s.due < best.due) best = s;
  return best;
}

/* Seconds left on the running step (negative = overdue), or null when no step is running. */
export function secondsLeft(order, pull, now = Date.now()) {
  return currentStep(order, pull, now)?.left ?? null;
}

/* Steps already finished late (met false and no longer running): the "missed" column. */
export function missedSteps(order, pull, now = Date.now()) {
  const running = new Set(runningSteps(order, pull, now).map((s) => s.step));
  return (order.sla || []).filter((s) => s.met === false && !running.has(s.step)).map((s) => s.step);
}

/* Most overdue first, then closest to its deadline; orders with nothing running last. The order
   of deadlines does not change as time passes, so a list sorted once stays sorted while it ticks. */
export function byUrgency(orders, pull, now = Date.now()) {
  const key = (o) => currentStep(o, pull, now)?.due ?? Number.POSITIVE_INFINITY;
  return [...orders].sort((a, b) => key(a) - key(b));
}

export function formatCountdown(seconds) {
  if (seconds === null) return "";
  const s = Math.abs(Math.round(seconds));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return `${hh ? `${hh}:` : ""}${pad(mm)}:${pad(ss)}`;
}

export const lastPull = () => getMeta("last_pull");

/* What a countdown element needs of its order (kept small: it rides in a data attribute). */
export function countdownData(o) {
  const keep = ["status", "sla", "promised_at", ...new Set(Object.values(SPANS).flat().filter(Boolean))];
  return JSON.stringify(Object.fromEntries(keep.map((k) => [k, o[k] ?? null])));
}

/* Ticks every [data-countdown] element once a second: "<step> · 04:12 left" or "<step> · 1:55:12
   overdue", red when overdue (colour and words both say it). */
export const stepName = (step) => t(`sla.${step}`);

export function countdownText(step, left) {
  const abs = Math.abs(Math.round(left)), days = Math.floor(abs / 86400);
  const time = days ? t("board.countdown.days", { d: days, time: formatCountdown(abs % 86400) }) : formatCountdown(abs);
  return t(left < 0 ? "board.countdown.overdue" : "board.countdown.left", { step: stepName(step), time });
}

let ticking = null;
export function startCountdowns(root, pull) {
  clearInterval(ticking);
  const tick = () => {
    for (const el of root.querySelectorAll("[data-countdown]")) {
      const running = currentStep(JSON.parse(el.dataset.countdown), pull);
      const overdue = running !== null && running.left < 0;
      el.textContent = running ? countdownText(running.step, running.left) : "";
      el.dataset.step = running?.step ?? "";
      el.dataset.dueAt = running ? new Date(running.due).toISOString() : ""; // the deadline the countdown runs to
      el.dataset.overdue = String(overdue);
      el.classList.toggle("overdue", overdue);
    }
  };
  tick();
  ticking = setInterval(tick, 1000);
}
