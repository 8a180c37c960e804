/* The sync client (CONTRACT "Sync"): mutations go to a durable outbox and apply optimistically on
   the replica; one tab at a time pushes, pulls, and rebases what is still pending on server state. */
import { transact, promised, getMeta, setMeta, listOutbox } from "./js/db.js";
import { applyMutation, targetOf, replayOutbox } from "./js/transitions.js";
import { api, ApiError } from "./js/api.js";
import { uuid7 } from "./js/uuid7.js";
import { uploadPendingBlobs } from "./js/tus-upload.js";

const SYNC_EVERY_MS = 30_000; // a phone in a basement retries often enough to catch a brief signal
const SENT_KEPT = 500;        // pushed mutations kept to map later rejections back to their order
export const channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel("fieldops-sync") : null;
const listeners = new Set();

export function onSyncChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function announce(state) {
  for (const fn of listeners) fn(state);
  channel?.postMessage({ type: "changed", state });
}
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

async function push() {
  const outbox = await listOutbox();
  for (let start = 0; start < outbox.length; start += PUSH_PAGE) {
    const body = { client_id: await clientId(), client_time: nowIso(), mutations: outbox.slice(start, start + PUSH_PAGE) };
    let result;
    try {
      result = await api("/sync/push", { method: "POST", body });
    } catch (err) {
      if (err instanceof ApiError && err.code === "mutation_gap") { await renumberAfterGap(); return; }
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
   row): renumber what is pending right after its last id rather than lose it. */
async function renumberAfterGap() {
  const pulled = await api("/sync/pull", { method: "POST", body: { client_id: await clientId(), cookie: null } });
  await transact(["outbox", "meta"], "readwrite", async (s) => {
    const rows = await promised(s.outbox.getAll());
    s.outbox.clear();
    let id = pulled.last_mutation_id + 1;
    for (const m of rows) s.outbox.add({ ...m, id: id++ });
    s.meta.put(id, "next_mutation_id");
  });
}

async function pull() {
  let cookie = (await getMeta("cookie")) ?? null;
  let res;
  try {
    res = await api("/sync/pull", { method: "POST", body: { client_id: await clientId(), cookie } });
  } catch (err) {
    // A cookie the server no longer honours (another user, restored server): start over with everything.
    if (!(err instanceof ApiError && err.code === "invalid_cookie")) throw err;
    cookie = null;
    res = await api("/sync/pull", { method: "POST", body: { client_id: await clientId(), cookie } });
  }
  await acknowledge(res.last_mutation_id);
  await transact(["base", "replica", "outbox", "meta", "sent", "rejections"], "readwrite", async (s) => {
    if (cookie === null) s.base.clear();
    for (const op of res.patch) {
      if (op.op === "put") s.base.put({ type: op.type, id: op.id, value: op.value });
      else s.base.delete([op.type, op.id]);
    }
    for (const r of res.rejections) {
      const sent = await promised(s.sent.get(r.mutation_id));
      const target = sent ? targetOf(sent) : null;
      s.rejections.put({ ...r, args: sent?.args ?? null, type: target?.[0] ?? null, object_id: target?.[1] ?? null,
        seen: false, received_at: res.server_time });
    }
    await rebase(s);
    s.meta.put(res.cookie, "cookie");
    s.meta.put({ server_time: res.server_time, local_time: Date.now() }, "last_pull");
  });
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
    if (!(await getMeta("auth"))?.token) return { state: "signed_out" };
    const work = async (lock) => {
      if (lock === null) return { state: "other_tab" };
      announce({ syncing: true });
      try {
        await push();
        await uploadPendingBlobs();
        await pull();
        await setMeta("last_sync_ok", Date.now());
        const counts = await pendingCounts();
        announce({ ok: true, signedOut: false, ...counts });
        return { state: "ok", ...counts };
      } catch (err) {
        // an expired token must not lock a technician out of offline work: keep going, ask to sign in
        announce({ ok: false, error: err.message, offline: !(err instanceof ApiError), signedOut: err.status === 401 });
        return { state: "failed", error: err };
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
    if (navigator.onLine !== false) await syncNow();
    scheduleSync();
  }, delayMs);
}

export function startSyncTriggers() {
  addEventListener("online", () => scheduleSync(0));
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") scheduleSync(0); });
  scheduleSync(0);
}
