/* SLA countdowns from the order's server-computed `sla` array, advanced locally from the
   last pull's server_time so a job list offline still counts down honestly. */
import { getMeta } from "./db.js";

/* Seconds left on the most urgent open step (negative = overdue), or null when nothing is due. */
export function secondsLeft(order, lastPull, now = Date.now()) {
  const drift = lastPull ? (now - lastPull.local_time) / 1000 : 0;
  let least = null;
  for (const step of order.sla || []) {
    if (step.met !== null && step.met !== undefined) continue;
    const left = step.target_s - step.elapsed_s - drift;
    if (least === null || left < least) least = left;
  }
  return least;
}

export function byUrgency(orders, lastPull, now = Date.now()) {
  const key = (o) => secondsLeft(o, lastPull, now) ?? Number.POSITIVE_INFINITY;
  return [...orders].sort((a, b) => key(a) - key(b));
}

export function formatCountdown(seconds) {
  if (seconds === null) return "";
  const sign = seconds < 0 ? "-" : "";
  const s = Math.abs(Math.round(seconds));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return `${sign}${hh ? `${hh}:` : ""}${pad(mm)}:${pad(ss)}`;
}

export const lastPull = () => getMeta("last_pull");

/* Ticks every [data-countdown] element once a second. */
let ticking = null;
export function startCountdowns(root, pull) {
  clearInterval(ticking);
  const tick = () => {
    for (const el of root.querySelectorAll("[data-countdown]")) {
      const left = secondsLeft(JSON.parse(el.dataset.countdown), pull);
      el.textContent = formatCountdown(left);
      el.classList.toggle("overdue", left !== null && left < 0);
    }
  };
  tick();
  ticking = setInterval(tick, 1000);
}
