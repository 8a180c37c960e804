/* The device's IndexedDB: server state (base), the replica the screens read (base + pending
   outbox), the outbox of mutations, pushed mutations, rejections, pending blobs and settings. */

export const DB_NAME = "fieldops";
const DB_VERSION = 1;
const OBJECT_KEY = ["type", "id"];

let opened = null;

export function openDb() {
  if (opened) return opened;
  opened = new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("meta");
      db.createObjectStore("base", { keyPath: OBJECT_KEY }).createIndex("type", "type");
      db.createObjectStore("replica", { keyPath: OBJECT_KEY }).createIndex("type", "type");
      db.createObjectStore("outbox", { keyPath: "id" });
      db.createObjectStore("sent", { keyPath: "id" });
      db.createObjectStore("rejections", { keyPath: "mutation_id" });
      db.createObjectStore("blobs", { keyPath: "sha256" });
    };
    req.onsuccess = () => {
      req.result.onversionchange = () => { req.result.close(); opened = null; };
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
  });
  return opened;
}

export function promised(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/* Runs body(stores) in one transaction and resolves once it has COMMITTED, so callers can show
   a step as done only when it is on disk. */
export async function transact(storeNames, mode, body) {
  const db = await openDb();
  const tx = db.transaction(storeNames, mode, { durability: "strict" });
  const stores = Object.fromEntries(storeNames.map((n) => [n, tx.objectStore(n)]));
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
  let result;
  try {
    result = await body(stores, tx);
  } catch (err) {
    try { tx.abort(); } catch (_) { /* already finished */ }
    throw err;
  }
  await done;
  return result;
}

export const getMeta = (key) => transact(["meta"], "readonly", (s) => promised(s.meta.get(key)));
export const setMeta = (key, value) => transact(["meta"], "readwrite", (s) => promised(s.meta.put(value, key)));

export const getObject = (type, id) =>
  transact(["replica"], "readonly", (s) => promised(s.replica.get([type, id])));
export const listObjects = (type) =>
  transact(["replica"], "readonly", (s) => promised(s.replica.index("type").getAll(type)));
export const listOutbox = () => transact(["outbox"], "readonly", (s) => promised(s.outbox.getAll()));
export const listRejections = () =>
  transact(["rejections"], "readonly", (s) => promised(s.rejections.getAll()));
export const getBlob = (sha256) => transact(["blobs"], "readonly", (s) => promised(s.blobs.get(sha256)));
export const listBlobs = () => transact(["blobs"], "readonly", (s) => promised(s.blobs.getAll()));
export const putBlob = (record) => transact(["blobs"], "readwrite", (s) => promised(s.blobs.put(record)));

/* Forget everything of the previous user (on a different login); refuses while work is unsent. */
export async function clearUserData() {
  return transact(["meta", "base", "replica", "outbox", "sent", "rejections"], "readwrite", async (s) => {
    if ((await promised(s.outbox.count())) > 0) throw new Error("outbox_not_empty");
    for (const name of ["base", "replica", "sent", "rejections"]) s[name].clear();
    s.meta.delete("cookie");
    s.meta.delete("client_id");
    s.meta.delete("next_mutation_id");
    s.meta.delete("shift"); // the previous user's post: the next one's comes from their own pull
    // what customers signed on this device (their names): not for the next user of the tablet
    for (const key of await promised(s.meta.getAllKeys())) if (String(key).startsWith("signed:")) s.meta.delete(key);
  });
}
