/* The hash routes, one screen module each, and each role's home screen. */
import { showLogin } from "./screens/login.js";
import { showJobs } from "./screens/jobs.js";
import { showJob } from "./screens/job.js";
import { showSignOff } from "./screens/sign-off.js";
import { showGuard } from "./screens/guard.js";
import { showDispatcher } from "./screens/dispatcher.js";
import { showNewReport } from "./screens/new-report.js";

export const routes = {
  login: showLogin,
  jobs: showJobs,
  job: showJob,
  sign: showSignOff,
  alarms: showGuard,
  board: showDispatcher,
  report: showNewReport,
};

export function homeFor(user) {
  if (user.role === "technician") return "/jobs";
  if (user.role === "guard") return "/alarms";
  return "/board";
}
