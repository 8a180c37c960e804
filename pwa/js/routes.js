/* The hash routes, one screen module each, and each role's home screen. The field screens are
   imported up front (they must open offline on a first visit, before the service worker has the
   shell); office consoles are `lazy`: loaded when first opened, so they never weigh on a
   technician's first load. */
import { showLogin } from "./screens/login.js";
import { showJobs } from "./screens/jobs.js";
import { showJob } from "./screens/job.js";
import { showSignOff } from "./screens/sign-off.js";
import { showReceipt } from "./screens/receipt.js";
import { showGuard } from "./screens/guard.js";
import { showDispatcher } from "./screens/dispatcher.js";
import { showNewReport } from "./screens/new-report.js";

const lazy = (path, name) => async (root, ctx) => {
  const route = root.dataset.route;
  const show = (await import(path))[name];
  if (root.dataset.route !== route) return undefined; // the user moved on while the module loaded
  return show(root, ctx);
};

export const routes = {
  login: showLogin,
  jobs: showJobs,
  job: showJob,
  sign: showSignOff,
  receipt: showReceipt, // rendered from what was signed on this device: opens offline
  alarms: showGuard,
  board: showDispatcher,
  report: showNewReport,
  handover: lazy("./screens/handover.js", "showHandover"), // guard: end a shift with its handover record
  shifts: lazy("./screens/handover.js", "showShifts"), // guard, office: shift history with handovers
  supervisor: lazy("./screens/supervisor.js", "showSupervisor"),
  devices: lazy("./screens/devices.js", "showDevices"),
  admin: lazy("./screens/admin.js", "showAdmin"),
  month: lazy("./screens/month-report.js", "showMonthReport"),
  targets: lazy("./screens/targets.js", "showTargets"), // supervisor, admin: service targets and the company's own days
};

export function homeFor(user) {
  if (user.role === "technician") return "/jobs";
  if (user.role === "guard") return "/alarms";
  if (user.role === "supervisor") return "/supervisor"; // the board stays one tap away in the console's nav
  if (user.role === "admin") return "/admin";
  return "/board";
}
