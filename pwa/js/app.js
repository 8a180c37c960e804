/* Boot: language, service worker (with the update-waits-for-empty-outbox rule), storage
   persistence, sync triggers, the status line and the hash router that picks a screen by role. */
import { setLanguage, initialLanguage, t, translateTree } from "./i18n.js";
import { getMeta, setMeta, listOutbox } from "./db.js";
import { startSyncTriggers, onSyncChange, pendingCounts, syncNow } from "../sync.js";
import { routes, homeFor } from "./routes.js";

const screen = document.getElementById("screen");
const syncStateEl = document.querySelector("[data-testid=sync-state]");
let lastSync = {};
let typing = false;

export async function currentUser() {
  const auth = await getMeta("auth");
  return auth?.token ? auth.user : null;
}

/* Renders the route in the hash; #/ sends each role to its home screen. */
export async function render() {
  const user = await currentUser();
  let path = location.hash.replace(/^#/, "") || "/";
  if (!user && !path.startsWith("/login")) path = "/login";
  if (user && (path === "/" || (path === "/login" && !lastSync.signedOut))) path = homeFor(user);
  const [, name, ...rest] = path.split("/");
  const show = routes[name] || routes.login;
  // nobody to sign out on the login screen (a device signed out with unsent steps still has a user)
  document.querySelector("[data-testid=logout]").hidden = !user || show === routes.login;
  typing = false;
  screen.dataset.route = name;
  document.body.dataset.route = name;
  await show(screen, { user, params: rest.map(decodeURIComponent) });
  translateTree(screen);
}

/* The plain line every screen shows: unsent count, or "everything synced". */
async function showSyncState(state = lastSync) {
  lastSync = { ...lastSync, ...state };
  const counts = await pendingCounts();
  const unsent = counts.total + counts.blobs;
  let text, kind;
  if (lastSync.signedOut) { text = t("sync.sign_in_again", { n: unsent }); kind = "pending"; }
  else if (lastSync.syncing && unsent) { text = t("sync.sending", { n: unsent }); kind = "busy"; }
  else if (unsent) { text = t(navigator.onLine ? "sync.pending" : "sync.pending_offline", { n: unsent }); kind = "pending"; }
  else if (lastSync.ok === false && !navigator.onLine) { text = t("sync.offline"); kind = "pending"; }
  else { text = t("sync.all_synced"); kind = "ok"; }
  syncStateEl.textContent = text;
  syncStateEl.onclick = lastSync.signedOut ? () => { location.hash = "#/login"; } : null;
  syncStateEl.dataset.state = kind;
  syncStateEl.dataset.pending = String(unsent);
  document.dispatchEvent(new CustomEvent("fieldops:pending", { detail: counts }));
  maybeApplyUpdate();
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
    showSyncState();
  });
  document.querySelector("[data-testid=logout]").addEventListener("click", async () => {
    await setMeta("auth", { user: (await getMeta("auth"))?.user, token: null, signed_out: true });
    location.hash = "#/login";
  });
  document.querySelector("[data-testid=update-apply]").addEventListener("click", () => maybeApplyUpdate(true));
  addEventListener("hashchange", render);
  addEventListener("online", () => showSyncState());
  addEventListener("offline", () => showSyncState({ ok: false }));
  // fresh data re-renders the screen, but never under someone typing (that would wipe the form)
  // and never the sign-off: the customer signs exactly the document they were shown
  screen.addEventListener("input", () => { typing = true; });
  onSyncChange(async (state) => { await showSyncState(state); if (state.ok && !typing && screen.dataset.route !== "sign") render(); });
  document.addEventListener("fieldops:changed", () => showSyncState());
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").then(watchForUpdates).catch((e) => console.warn("sw", e));
  }
  await render();
  await showSyncState();
  protectStorage().catch(() => {});
  startSyncTriggers();
  window.fieldops = { syncNow, pendingCounts, render, ready: true };
  document.documentElement.dataset.ready = "true";
}

boot();
