/* FieldOps service worker: precaches a versioned app shell (cache-first), leaves /api to the
   network, waits to activate until the page says so, and turns alarm pushes into notifications. */
const VERSION = "2026-12-01.3-month-report";
const SHELL_CACHE = `fieldops-shell-${VERSION}`;
const SHELL = [
  "/", "index.html", "app.css", "manifest.webmanifest", "sync.js",
  "i18n/zh-CN.json", "i18n/en.json",
  "i18n/dispatcher.zh-CN.json", "i18n/dispatcher.en.json", "i18n/supervisor.zh-CN.json", "i18n/supervisor.en.json", "i18n/admin.zh-CN.json", "i18n/admin.en.json", "i18n/guard.zh-CN.json", "i18n/guard.en.json", "i18n/report.zh-CN.json", "i18n/report.en.json", "i18n/board.zh-CN.json", "i18n/board.en.json",
  "icons/icon-192.png", "icons/icon-512.png", "icons/maskable-512.png",
  "js/app.js", "js/routes.js", "js/api.js", "js/db.js", "js/dom.js", "js/i18n.js",
  "js/canonical-json.js", "js/signed-document.js", "js/uuid7.js", "js/money.js",
  "js/transitions.js", "js/tus-upload.js", "js/photo-resize.js", "js/signature-pad.js",
  "js/sla.js", "js/sla-board.js", "js/names.js", "js/alarm-feed.js", "js/push-subscription.js", "js/order-view.js",
  "js/screens/login.js", "js/screens/jobs.js", "js/screens/job.js", "js/screens/sign-off.js",
  "js/screens/guard.js", "js/screens/dispatcher.js", "js/screens/new-report.js",
  "js/screens/handover.js",
  // the supervisor's and admin's consoles: imported on demand (routes.js lazy), precached all the same
  "js/screens/console.js", "js/screens/supervisor.js", "js/screens/devices.js", "js/screens/admin.js",
  "js/screens/month-report.js", "js/order-number.js", "month-report.css",
];

self.addEventListener("install", (event) => {
  // no skipWaiting here: a technician with unsent work keeps the version that queued it
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL.map((p) => new Request(p, { cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith("fieldops-shell-") && key !== SHELL_CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data?.type === "VERSION") event.source?.postMessage({ type: "VERSION", version: VERSION });
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // always the network: the page handles offline
  if (event.request.mode === "navigate") {
    event.respondWith(caches.match("index.html", { cacheName: SHELL_CACHE }).then((r) => r || fetch(event.request)));
    return;
  }
  event.respondWith(caches.match(event.request, { cacheName: SHELL_CACHE, ignoreSearch: true })
    .then((r) => r || fetch(event.request)));
});

/* The token lives in IndexedDB (store "meta", key "auth") so the worker can act without a page. */
function readAuth() {
  return new Promise((resolve) => {
    const req = indexedDB.open("fieldops");
    req.onupgradeneeded = () => req.transaction.abort(); // no database yet: never create it here
    req.onerror = () => resolve(null);
    req.onsuccess = () => {
      const db = req.result;
      try {
        const get = db.transaction("meta").objectStore("meta").get("auth");
        get.onsuccess = () => { resolve(get.result || null); db.close(); };
        get.onerror = () => { resolve(null); db.close(); };
      } catch (_) { resolve(null); db.close(); }
    };
  });
}

const KIND_TEXT = {
  "zh-CN": { water_leak: "漏水", smoke: "烟雾", fire: "火警", panel_trouble: "消防主机故障", tamper: "防拆",
    low_battery: "电量低", title: "报警", ack: "确认收到", zone: "区域" },
  en: { water_leak: "Water leak", smoke: "Smoke", fire: "Fire", panel_trouble: "Panel trouble", tamper: "Tamper",
    low_battery: "Low battery", title: "Alarm", ack: "Acknowledge", zone: "Zone" },
};

self.addEventListener("push", (event) => {
  let payload = {};
  try { payload = event.data ? event.data.json() : {}; } catch (_) { payload = { type: "unknown", text: event.data?.text() }; }
  event.waitUntil((async () => {
    const auth = await readAuth();
    const words = KIND_TEXT[auth?.lang === "en" ? "en" : "zh-CN"];
    if (payload.type !== "alarm") {
      return self.registration.showNotification("FieldOps", { body: payload.text || "", tag: "fieldops-other" });
    }
    const kind = words[payload.kind] || payload.kind;
    // one notification per incident: its work order, else the alarm itself; renotify on updates
    const tag = `incident-${payload.work_order_id || payload.alarm_id}`;
    return self.registration.showNotification(`${words.title}: ${kind}`, {
      body: `${payload.site_id || ""} · ${words.zone} ${payload.zone || "-"} · ${payload.ts || ""}`,
      tag, renotify: true, requireInteraction: true, icon: "icons/icon-192.png", badge: "icons/icon-192.png",
      data: payload, actions: [{ action: "ack", title: words.ack }],
      timestamp: payload.ts ? Date.parse(payload.ts) : Date.now(),
    });
  })());
});

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(notificationClicked(event.notification, event.action));
});

/* A tap on an alarm notification: "ack" acknowledges from the lock screen, anything else opens the
   board at the alarm. A named function so a test can run the very path a tap takes (no DevTools command taps). */
async function notificationClicked(notification, action) {
  const payload = notification.data || {};
  notification.close();
  if (action === "ack") return acknowledge(payload);
  return openAt(`/#/alarms/${encodeURIComponent(payload.alarm_id || "")}`);
}

async function acknowledge(payload) {
  const auth = await readAuth();
  const res = await fetch("/api/v1/mutations/ack_alarm", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(auth?.token ? { Authorization: `Bearer ${auth.token}` } : {}) },
    body: JSON.stringify({ alarm_id: payload.alarm_id }),
  }).catch(() => null);
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ type: "ALARM_ACKED", alarm_id: payload.alarm_id, ok: !!res?.ok });
  }
  if (!res?.ok) return openAt(`/#/alarms/${encodeURIComponent(payload.alarm_id || "")}`); // let the guard retry
}

async function openAt(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (new URL(client.url).origin === location.origin) {
      await client.focus();
      return client.navigate ? client.navigate(url) : undefined;
    }
  }
  return self.clients.openWindow(url);
}
