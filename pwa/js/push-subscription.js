/* "Enable notifications": VAPID key from the server, a push subscription from the browser,
   registered with the server so alarms reach this phone even with the app closed. */
import { api } from "./api.js";

function base64UrlToBytes(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/* Phones without a reachable push service (no Google services, common in mainland China) never answer
   subscribe(): give up after this long and say so, rather than wait forever. */
const SUBSCRIBE_TIMEOUT_MS = 20000;

function withTimeout(promise, ms) {
  let timer;
  const expired = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error("unreachable")), ms); });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export async function enableNotifications() {
  if (!("Notification" in self) || !("serviceWorker" in navigator)) throw new Error("unsupported");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new Error("denied");
  const reg = await navigator.serviceWorker.ready;
  const { public_key } = await api("/push/key");
  let sub = await reg.pushManager.getSubscription();
  if (!sub) {
    sub = await withTimeout(reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(public_key) }),
      SUBSCRIBE_TIMEOUT_MS);
  }
  await api("/push/subscriptions", { method: "POST", body: sub.toJSON() });
  return sub;
}

export async function notificationsEnabled() {
  if (!("serviceWorker" in navigator) || typeof Notification === "undefined" || Notification.permission !== "granted") return false;
  const reg = await navigator.serviceWorker.getRegistration();
  return !!(await reg?.pushManager.getSubscription());
}
