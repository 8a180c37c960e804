/* FieldOps service worker: precaches a versioned app shell (cache-first), leaves /api to the
   network, waits to activate until the page says so, and turns alarm pushes into notifications. */
const VERSION = "2026-12-01.15-details-kept";
const SHELL_CACHE = `fieldops-shell-${VERSION}`;
const SHELL = [
  "/", "index.html", "app.css", "manifest.webmanifest", "sync.js",
  "i18n/zh-CN.json", "i18n/en.json",
  "i18n/dispatcher.zh-CN.json", "i18n/dispatcher.en.json", "i18n/supervisor.zh-CN.json", "i18n/supervisor.en.json", "i18n/admin.zh-CN.json", "i18n/admin.en.json", "i18n/guard.zh-CN.json", "i18n/guard.en.json", "i18n/report.zh-CN.json", "i18n/report.en.json", "i18n/board.zh-CN.json", "i18n/board.en.json", "i18n/tech.zh-CN.json", "i18n/tech.en.json", "i18n/systext.zh-CN.json", "i18n/systext.en.json", "i18n/targets.zh-CN.json", "i18n/targets.en.json", "i18n/signoff.zh-CN.json", "i18n/signoff.en.json",
  "icons/icon-192.png", "icons/icon-512.png", "icons/maskable-512.png",
  "js/app.js", "js/sync-bar.js", "js/routes.js", "js/api.js", "js/db.js", "js/dom.js", "js/i18n.js",
  "js/canonical-json.js", "js/signed-document.js", "js/uuid7.js", "js/money.js",
  "js/transitions.js", "js/tus-upload.js", "js/photo-resize.js", "js/signature-pad.js",
  "js/sla.js", "js/sla-board.js", "js/names.js", "js/system-text.js", "js/refusals.js", "js/alarm-feed.js", "js/push-subscription.js", "js/order-view.js",
  "js/screens/login.js", "js/screens/jobs.js", "js/screens/job.js", "js/screens/sign-off.js", "js/screens/receipt.js", "js/photo-viewer.js",
  "js/screens/guard.js", "js/screens/dispatcher.js", "js/screens/new-report.js",
  "js/screens/handover.js",
  // the supervisor's and admin's consoles: imported on demand (routes.js lazy), precached all the same
  "js/screens/console.js", "js/screens/supervisor.js", "js/screens/devices.js", "js/screens/admin.js",
  "js/screens/month-report.js", "js/screens/targets.js", "js/order-number.js", "month-report.css",
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

/* Notifications read in the user's language (auth.lang), in the app's own words: the core, board and systext
   catalogs from the shell cache (the network only if the cache lacks them). */
async function catalog(lang) {
  const parts = await Promise.all([`i18n/${lang}.json`, `i18n/board.${lang}.json`, `i18n/systext.${lang}.json`].map(async (file) => {
    try { return await ((await caches.match(file, { cacheName: SHELL_CACHE })) || (await fetch(file))).json(); } catch (_) { return {}; }
  }));
  return Object.assign({}, ...parts);
}

function wordsIn(lang, words) {
  const t = (key, params = {}) => (words[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ""));
  const has = (key) => key in words;
  const time = (ts) => (ts ? new Date(ts).toLocaleString(lang, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }) : "");
  const duration = (seconds) => {
    const m = Math.floor(Math.abs(seconds) / 60), hours = Math.floor(m / 60);
    if (m < 1) return t("board.duration.under_minute");
    if (m < 60) return t("board.duration.m", { m });
    if (hours < 24) return t("board.duration.hm", { h: hours, m: m % 60 });
    return t("board.duration.dh", { d: Math.floor(hours / 24), h: hours % 24 });
  };
  const since = (ts) => duration(ts ? (Date.now() - Date.parse(ts)) / 1000 : 0);
  const kind = (k) => (has(`alarm.kind.${k}`) ? t(`alarm.kind.${k}`) : k);
  return { t, has, time, since, kind };
}

/* A sensor-made order's title in the reader's words (pwa/js/system-text.js, which a worker cannot import). */
function orderTitle(p, { t, has }) {
  const a = p.title_args || {};
  if (!p.title_code || !has(`systext.${p.title_code}`)) return p.title;
  return t(`systext.${p.title_code}`, { ...a, kind: has(`systext.kind.${a.kind}`) ? t(`systext.kind.${a.kind}`) : a.kind || "", place: a.zone || a.device || "" });
}

/* One renderer per push type (server/push/payload.py): a title, a body and a tag per incident or order. */
const RENDER = {
  alarm: (p, { t, time, since, kind }) => ({
    title: t(p.escalated ? "board.push.alarm_escalated" : "board.push.alarm", { kind: kind(p.kind) }),
    body: [p.site_name || p.site_id, p.zone ? t("board.push.zone", { zone: p.zone }) : null,
      t(p.escalated ? "board.push.unacked" : "board.push.seen", { time: time(p.ts), ago: since(p.ts) })].filter(Boolean).join(" · "),
    // one notification per incident: its work order, else the alarm itself; updated, not piled up
    tag: `incident-${p.work_order_id || p.alarm_id}`,
    actions: [{ action: "ack", title: t("alarm.ack") }],
    requireInteraction: true,
  }),
  work_order_escalation: (p, { t, has, time, since }) => {
    const level = p.complaint_level ? t(`complaint.${p.complaint_level}`) : "";
    const why = has(`board.push.escalation.${p.kind}`) ? `board.push.escalation.${p.kind}` : "board.push.escalation.other";
    const when = { complaint_received: "board.push.received", harm_ongoing: "board.push.since" }[p.kind] || "board.push.late";
    return {
      title: t(why, { level }),
      body: `${[orderTitle(p, { t, has }), p.site_name || p.site_id].filter(Boolean).join(" · ")}\n${t(when, { time: time(p.due_at), ago: since(p.due_at) })}`,
      tag: `order-${p.work_order_id}`,
      requireInteraction: true,
    };
  },
};

/* A type this build does not know yet still reads: what it names of the order or site, never a blank "FieldOps". */
function renderOther(p, { t, time }) {
  const id = p.work_order_id || p.alarm_id || p.shift_id || p.site_id || "";
  return {
    title: p.title ? `${t("board.push.other")}: ${p.title}` : t("board.push.other"),
    body: [p.site_name || p.site_id, p.text, p.ts ? time(p.ts) : null].filter(Boolean).join(" · "),
    tag: `${p.type || "other"}-${id}`,
  };
}

self.addEventListener("push", (event) => {
  let payload = {};
  try { payload = event.data ? event.data.json() : {}; } catch (_) { payload = { type: "unknown", text: event.data?.text() }; }
  event.waitUntil((async () => {
    const auth = await readAuth();
    const lang = auth?.lang === "en" ? "en" : "zh-CN";
    const words = wordsIn(lang, await catalog(lang));
    const { title, ...shown } = (RENDER[payload.type] || renderOther)(payload, words);
    return self.registration.showNotification(title, {
      ...shown, renotify: true, icon: "icons/icon-192.png", badge: "icons/icon-192.png", lang, data: payload,
      timestamp: payload.ts ? Date.parse(payload.ts) : Date.now(),
    });
  })());
});

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(notificationClicked(event.notification, event.action));
});

/* A tap on a notification: on an alarm "ack" acknowledges from the lock screen, anything else opens the
   board at the alarm; an order's notification opens the order. A named function so a test can run the very path a tap takes (no DevTools command taps). */
async function notificationClicked(notification, action) {
  const payload = notification.data || {};
  notification.close();
  if (payload.type === "alarm") {
    if (action === "ack") return acknowledge(payload);
    return openAt(`/#/alarms/${encodeURIComponent(payload.alarm_id || "")}`);
  }
  return openAt(payload.work_order_id ? `/#/job/${encodeURIComponent(payload.work_order_id)}` : "/");
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
