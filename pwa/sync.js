/* The sync client (CONTRACT "Sync"): mutations go to a durable outbox and apply optimistically on
   the replica; one tab at a time pushes, pulls, and rebases what is still pending on server state. */
import { transact, promised, getMeta, setMeta, listOutbox } from "./js/db.js";
import { applyMutation, targetOf, replayOutbox } from "./js/transitions.js";
import { api, ApiError } from "./js/api.js";
import { uuid7 } from "./js/uuid7.js";
import { uploadPendingBlobs } from "./js/tus-upload.js";

const SYNC_EVERY_MS = 30_000; // a phone in a basement retries often enough to catch a brief signal
const SENT_KEPT = 500;        // pushed mutations kept to map later rejections back to their order
/* After a failed attempt the next comes sooner than the regular poll, then backs off: a server restarting
   is back within seconds, one that is down for long is not hammered by every phone of the site. */
export const RETRY_AFTER_MS = [5_000, 15_000, 30_000, 60_000];
/* One request of a sync (a push page, a pull, a tus chunk) that has not answered by then has failed: a
   server that accepts the connection and never answers (hung, or a captive portal) must not keep the bar
   saying "sending" for minutes. A 500-step push page is ~200 KB, well inside this on a weak 3G signal. */
export const REQUEST_TIMEOUT_MS = 30_000;
export const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("fieldops-sync") : null;
const listeners = new Set();

export function onSyncChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function announce(state) {
  for (const fn of listeners) fn(state);
  channel?.postMessage({ type: "changed", state });
}

/* Why the last attempt failed, in terms a person can act on (the bar words it):
   offline — the device has no network; unreachable — no answer from the server (stopped, or the network
   between is down); server_down — the server answered that it cannot work now (5xx); signed_out — the
   token is no longer valid (sign in again: the queue stays); refused — the server would not take this
   request (a 4xx other than 401), with its code. */
export function failureReason(err) {
  if (typeof navigator !== "undefined" && navigator.onLine === false) return { reason: "offline" };
  if (err instanceof ApiError) {
    if (err.status === 401) return { reason: "signed_out", code: err.code };
    if (err.status >= 500) return { reason: "server_down", code: err.code, status: err.status };
    return { reason: "refused", code: err.code, status: err.status, message: err.message };
  }
  return { reason: "unreachable" }; // fetch's TypeError, or our timeout's abort
}

let failures = 0; // attempts failed in a row, for the back-off
channel && (channel.onmessage = (e) => { if (e.data?.type === "changed") for (const fn of listeners) fn(e.data.state); });

export async function clientId() {
  return transact(["meta"], "readwrite", async (s) => {
    let id = await promised(s.meta.get("client_id"));
    if (!id) { id = uuid7(); s.meta.put(id, "client_id"); }
    return id;
  });
}

const nowIso = () => new Date().toISOString();

/* Records a mutation: the outbox row, its id counter and the optimistic replica change commit in
   ONE transaction, so when this resolves the step survives a reload or a flat battery. */
export async function enqueue(name, args) {
  const actor = (await getMeta("auth"))?.user;
  const id = await transact(["meta", "outbox", "replica"], "readwrite", async (s) => {
    const next = (await promised(s.meta.get("next_mutation_id"))) || 1;
    const mutation = { id: next, name, args, client_ts: nowIso() };
    const target = targetOf(mutation);
    const current = target ? await promised(s.replica.get(target)) : undefined;
    // an object this device has not pulled (an alarm seen on the live board) is the server's to judge
    if (target && (current || name === "create_work_order")) {
      const value = applyMutation(current?.value, mutation, actor); // throws LocalRuleError: nothing written
      if (value) s.replica.put({ type: target[0], id: target[1], value, pending: true });
    }
    s.outbox.add(mutation);
    s.meta.put(next + 1, "next_mutation_id");
    return next;
  });
  announce({ pending: true });
  scheduleSync(0);
  return id;
}

/* Pending counts: total and per work order, for the banner and each order's badge. */
export async function pendingCounts() {
  const outbox = await listOutbox();
  const byOrder = {};
  for (const m of outbox) {
    const t = targetOf(m);
    if (t && t[0] === "work_order") byOrder[t[1]] = (byOrder[t[1]] || 0) + 1;
  }
  const blobs = await transact(["blobs"], "readonly", (s) => promised(s.blobs.getAll()));
  const blobsPending = blobs.filter((b) => !b.uploaded).length;
  return { total: outbox.length, blobs: blobsPending, byOrder };
}

/* A day offline can queue thousands of steps: send them in pages well under the server's body limit. */
const PUSH_PAGE = 500;

async function push(afterGap = false) {
  const outbox = await listOutbox();
  for (let start = 0; start < outbox.length; start += PUSH_PAGE) {
    const body = { client_id: await clientId(), client_time: nowIso(), mutations: outbox.slice(start, start + PUSH_PAGE) };
    let result;
    try {
      result = await api("/sync/push", { method: "POST", body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      const gap = err instanceof ApiError && err.code === "mutation_gap" && Number.isInteger(err.details.last_mutation_id);
      // renumbered once, the queue follows the server's last id: a second gap is someone else's push, next sync's
      if (gap && !afterGap) { await renumberAfterGap(err.details.last_mutation_id); return push(true); }
      throw err;
    }
    await acknowledge(result.last_mutation_id);
  }
}

/* Drops outbox rows the server has processed, keeping a copy to explain later rejections. */
async function acknowledge(lastId) {
  await transact(["outbox", "sent"], "readwrite", async (s) => {
    const rows = await promised(s.outbox.getAll(IDBKeyRange.upperBound(lastId)));
    for (const m of rows) { s.sent.put(m); s.outbox.delete(m.id); }
    const keys = await promised(s.sent.getAllKeys());
    for (const k of keys.slice(0, Math.max(0, keys.length - SENT_KEPT))) s.sent.delete(k);
  });
}

/* The server knows fewer mutations than we think it acknowledged (restored backup, wiped client
   row): renumber what is pending right after its last id rather than lose it. The refusal says that id. */
async function renumberAfterGap(serverLast) {
  await transact(["outbox", "meta"], "readwrite", async (s) => {
    const rows = await promised(s.outbox.getAll());
    s.outbox.clear();
    let id = serverLast + 1;
    for (const m of rows) s.outbox.add({ ...m, id: id++ });
    s.meta.put(id, "next_mutation_id");
  });
}

async function pull() {
  let cookie = (await getMeta("cookie")) ?? null;
  let res;
  const ask = async () => api("/sync/pull", { method: "POST", body: { client_id: await clientId(), cookie },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  try {
    res = await ask();
  } catch (err) {
    // A cookie the server no longer honours (another user, restored server): start over with everything.
    if (!(err instanceof ApiError && err.code === "invalid_cookie")) throw err;
    cookie = null;
    res = await ask();
  }
  await acknowledge(res.last_mutation_id);
  const orders = new Set();
  await transact(["base", "replica", "outbox", "meta", "sent", "rejections"], "readwrite", async (s) => {
    if (cookie === null) s.base.clear();
    for (const op of res.patch) {
      if (op.op === "put") s.base.put({ type: op.type, id: op.id, value: op.value });
      else s.base.delete([op.type, op.id]);
      if (op.type === "work_order") orders.add(op.id);
    }
    const patched = new Map(res.patch.filter((op) => op.op === "put").map((op) => [`${op.type}/${op.id}`, op.value]));
    for (const r of res.rejections) {
      const sent = await promised(s.sent.get(r.mutation_id));
      const target = sent ? targetOf(sent) : null;
      // the order as the server has it now, beside the refusal: the app says "the order is deferred" in the
      // reader's words from this, not from the server's English sentence
      const now = target ? patched.get(`${target[0]}/${target[1]}`) ?? (await promised(s.base.get(target)))?.value : null;
      s.rejections.put({ ...r, args: sent?.args ?? null, type: target?.[0] ?? null, object_id: target?.[1] ?? null,
        order_status: now?.status ?? null, seen: false, received_at: res.server_time });
      if (target?.[0] === "work_order") orders.add(target[1]);
    }
    await rebase(s);
    s.meta.put(res.cookie, "cookie");
    s.meta.put({ server_time: res.server_time, local_time: Date.now() }, "last_pull");
  });
  return { orders: [...orders], rejected: res.rejections.length };
}

/* replica = server state + every still-pending outbox mutation re-applied in order. */
async function rebase(s) {
  const actor = (await promised(s.meta.get("auth")))?.user;
  const rows = replayOutbox(await promised(s.base.getAll()), await promised(s.outbox.getAll()), actor);
  s.replica.clear();
  for (const row of rows) s.replica.put(row);
}

let running = null;
let timer = null;

/* One sync at a time across all tabs (Web Locks); a tab that finds the lock taken skips, since
   the leader's result reaches it through the BroadcastChannel. */
export function syncNow() {
  // a step queued while a sync runs must not wait for the timer: sync again right after
  if (running) return running.then(() => syncNow());
  running = (async () => {
    if (!(await getMeta("auth"))?.token) { announce({ signedOut: true, sending: false }); return { state: "signed_out" }; }
    const work = async (lock) => {
      if (lock === null) return { state: "other_tab" };
      const before = (await listOutbox()).length;
      try {
        // "sending" is said only while our steps or photos are on the wire, not while we merely poll
        const unsent = await pendingCounts();
        if (unsent.total + unsent.blobs) announce({ sending: true });
        await push();
        await uploadPendingBlobs({ timeoutMs: REQUEST_TIMEOUT_MS });
        announce({ sending: false });
        const pulled = await pull();
        await setMeta("last_sync_ok", Date.now());
        failures = 0;
        const counts = await pendingCounts();
        // changed: something the screens show is different now (a step acknowledged, the server's news, a refusal)
        const changed = pulled.orders.length > 0 || counts.total !== before;
        announce({ ok: true, sending: false, failure: null, retryAt: null, signedOut: false, changed, orders: pulled.orders, ...counts });
        return { state: "ok", ...counts };
      } catch (err) {
        // an expired token must not lock a technician out of offline work: keep going, ask to sign in
        failures += 1;
        const failure = failureReason(err);
        const delay = RETRY_AFTER_MS[Math.min(failures, RETRY_AFTER_MS.length) - 1];
        // offline: the `online` event retries; signed out: nothing to retry until the person signs in again
        const retryAt = ["offline", "signed_out"].includes(failure.reason) ? null : Date.now() + delay;
        if (retryAt) scheduleSync(delay);
        announce({ ok: false, sending: false, failure, retryAt, signedOut: failure.reason === "signed_out" });
        return { state: "failed", error: err, failure };
      }
    };
    if (navigator.locks) return navigator.locks.request("fieldops-sync", { ifAvailable: true }, work);
    return work(true);
  })().finally(() => { running = null; });
  return running;
}

export function scheduleSync(delayMs = SYNC_EVERY_MS) {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const result = navigator.onLine !== false ? await syncNow() : null;
    if (result?.state !== "failed") scheduleSync(); // a failed attempt scheduled its own, sooner retry
  }, delayMs);
}

export function startSyncTriggers() {
  addEventListener("online", () => scheduleSync(0));
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") scheduleSync(0); });
  scheduleSync(0);
}
