/* Boot: language, service worker (with the update-waits-for-empty-outbox rule), storage
   persistence, sync triggers, the status line and the hash router that picks a screen by role. */
import { setLanguage, initialLanguage, t, translateTree } from "./i18n.js";
import { getMeta, setMeta, listOutbox } from "./db.js";
import { startSyncTriggers, onSyncChange, pendingCounts, syncNow } from "../sync.js";
import { routes, homeFor } from "./routes.js";
import { fieldSelector } from "./dom.js";
import { showSyncState, syncState } from "./sync-bar.js";

const screen = document.getElementById("screen");
let drawing = false; // someone drew on a pad of this screen (a consent signature): a redraw would wipe it

export async function currentUser() {
  const auth = await getMeta("auth");
  return auth?.token ? auth.user : null;
}

/* Renders the route in the hash; #/ sends each role to its home screen. */
export async function render() {
  const user = await currentUser();
  let path = location.hash.replace(/^#/, "") || "/";
  if (!user && !path.startsWith("/login")) path = "/login";
  if (user && (path === "/" || (path === "/login" && !wantsSignIn()))) {
    path = homeFor(user);
    // the address bar names the screen shown, so a slow redraw of another screen (stillOn) cannot paint over it
    history.replaceState(history.state, "", `#${path}`);
  }
  const [, name, ...rest] = path.split("/");
  const show = routes[name] || routes.login;
  // nobody to sign out on the login screen (a device signed out with unsent steps still has a user)
  document.querySelector("[data-testid=logout]").hidden = !user || show === routes.login;
  drawing = false;
  screen.dataset.route = name;
  document.body.dataset.route = name;
  await show(screen, { user, params: rest.map(decodeURIComponent) });
  translateTree(screen);
}

/* A signed-in user opens the sign-in form only to renew a token the server no longer takes. */
const wantsSignIn = () => syncState().signedOut || syncState().failure?.reason === "signed_out";

/* The bar, and a waiting update that may apply once nothing is unsent. */
async function refreshBar(news) {
  await showSyncState(news);
  maybeApplyUpdate();
}

/* What the person has typed and not saved yet, by field (dom.js fieldSelector: the field within the thing it is about), so a redraw with fresh data puts it
   back. Kept as they type, not read at redraw time: a redraw loads its data first, and what is typed meanwhile
   must survive too. A submitted form's fields are dropped (saved), and leaving the screen drops everything. */
const typed = new Map();
const fieldKey = (el) => fieldSelector(el, screen);
function keepTyped(e) {
  const el = e.target;
  const key = fieldKey(el);
  if (!key || !["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.type === "file") return;
  typed.set(key, { value: el.value, checked: el.checked });
}
let submitted = []; // the fields of the form last submitted: saved (dropped) once its step is queued
function noteSubmitted(e) { submitted = [...(e.target.elements || [])].map(fieldKey).filter(Boolean); }
function dropSaved() { for (const key of submitted) typed.delete(key); submitted = []; }

function restoreTyped(focusKey) {
  const find = (key) => screen.querySelector(key);
  for (const [key, f] of typed) {
    const el = find(key);
    if (!el) continue; // the form is gone: the order moved on (a refusal, the office changed it)
    if (["checkbox", "radio"].includes(el.type)) el.checked = f.checked; else el.value = f.value;
  }
  const el = focusKey && find(focusKey);
  if (el && typed.has(focusKey) && document.activeElement !== el) { // mount() keeps the caret where it was
    el.focus();
    if ("setSelectionRange" in el) { try { el.setSelectionRange(el.value.length, el.value.length); } catch (_) { /* not a text field */ } }
  }
}

/* Fresh data from a sync redraws the screen at once (a refused step shows, the badge clears), keeping what is
   typed; never the sign-off (the customer signs exactly the document they were shown), and not over a pad being
   drawn on unless the order under it changed. */
async function redrawAfterSync(state) {
  // never the sign-off (the customer signs what they were shown) nor the receipt (a link and QR code handed out stay)
  if (!state.ok || !state.changed || ["sign", "receipt"].includes(screen.dataset.route)) return;
  const [, route, id] = location.hash.replace(/^#/, "").split("/");
  const shownChanged = route === "job" && (state.orders || []).includes(decodeURIComponent(id || ""));
  if (drawing && !shownChanged) return;
  const focused = screen.contains(document.activeElement) ? fieldKey(document.activeElement) : null;
  await render();
  restoreTyped(focused);
}

/* A new service worker waits while anything is unsent; it takes over when the outbox is empty,
   or when the user presses "update now" (the outbox lives in IndexedDB and survives it). */
let waitingWorker = null;
async function maybeApplyUpdate(force = false) {
  if (!waitingWorker) return;
  const banner = document.querySelector("[data-testid=update-banner]");
  const unsent = (await listOutbox()).length;
  if (unsent === 0 || force) { waitingWorker.postMessage({ type: "SKIP_WAITING" }); return; }
  banner.hidden = false;
  banner.querySelector("[data-testid=update-text]").textContent = t("update.waiting", { n: unsent });
}

function watchForUpdates(reg) {
  const offer = (worker) => { if (worker && navigator.serviceWorker.controller) { waitingWorker = worker; maybeApplyUpdate(); } };
  offer(reg.waiting);
  reg.addEventListener("updatefound", () => {
    const worker = reg.installing;
    worker.addEventListener("statechange", () => { if (worker.state === "installed") offer(worker); });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (waitingWorker && !reloading) { reloading = true; location.reload(); }
  });
  setInterval(() => reg.update().catch(() => {}), 60 * 60 * 1000);
}

async function protectStorage() {
  if (!navigator.storage) return;
  if (navigator.storage.persist && !(await navigator.storage.persisted())) await navigator.storage.persist();
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  const el = document.querySelector("[data-testid=storage-warning]");
  // under pressure = over 80% of what the browser grants us; say how much is used
  if (quota && usage / quota > 0.8) {
    el.hidden = false;
    el.textContent = t("storage.pressure", { used: Math.round(usage / 1e6), quota: Math.round(quota / 1e6) });
  }
}

async function boot() {
  const lang = await setLanguage(initialLanguage());
  const select = document.querySelector("[data-testid=language-switch]");
  select.value = lang;
  select.addEventListener("change", async () => {
    await setLanguage(select.value);
    const auth = await getMeta("auth");
    if (auth) await setMeta("auth", { ...auth, lang: select.value }); // the service worker words its notifications by it
    await render();
    refreshBar();
  });
  document.querySelector("[data-testid=logout]").addEventListener("click", async () => {
    await setMeta("auth", { user: (await getMeta("auth"))?.user, token: null, signed_out: true });
    location.hash = "#/login";
    refreshBar(); // unsent steps stay queued for this user: the bar says so
  });
  document.querySelector("[data-testid=update-apply]").addEventListener("click", () => maybeApplyUpdate(true));
  addEventListener("hashchange", async () => { typed.clear(); await render(); refreshBar(); }); // the bar's sign-in link hides on the form
  addEventListener("online", () => refreshBar());
  addEventListener("offline", () => refreshBar());
  screen.addEventListener("pointerdown", (e) => { if (e.target.tagName === "CANVAS") drawing = true; });
  screen.addEventListener("input", keepTyped);
  screen.addEventListener("change", keepTyped);
  screen.addEventListener("submit", noteSubmitted, true); // before the form's own handler queues the step
  onSyncChange(async (state) => { await refreshBar(state); await redrawAfterSync(state); });
  document.addEventListener("fieldops:changed", () => { dropSaved(); refreshBar(); }); // screens say so after queueing a step
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").then(watchForUpdates).catch((e) => console.warn("sw", e));
  }
  await render();
  await refreshBar();
  protectStorage().catch(() => {});
  startSyncTriggers();
  window.fieldops = { syncNow, pendingCounts, render, ready: true };
  document.documentElement.dataset.ready = "true";
}

boot();
