/* Photo and signature bytes kept in IndexedDB until the server has them, sent with tus 1.0
   (creation + resume by HEAD) so a flaky basement signal or a reload never restarts from zero. */
import { transact, promised, putBlob, getBlob, listBlobs } from "./db.js";
import { API, ApiError, authHeaders } from "./api.js";
import { sha256Hex } from "./canonical-json.js";

const TUS = { "Tus-Resumable": "1.0.0" };
const CHUNK_BYTES = 256 * 1024; // small enough to finish a chunk on a weak 3G signal
let timeoutMs = null; // set by the sync run: a request of an upload that does not answer by then has failed

/* A refused upload request as the sync bar reads it: its status (401 signed out, 5xx server down, other refused). */
const refused = (res, what) => new ApiError(res.status, `http_${res.status}`, `${what} ${res.status}`);
const timed = (init = {}) => (timeoutMs ? { ...init, signal: AbortSignal.timeout(timeoutMs) } : init);

/* Stores bytes before the mutation naming them is queued; returns the sha256. */
export async function storeBlob(blob, workOrderId, purpose) {
  const sha256 = await sha256Hex(await blob.arrayBuffer());
  const existing = await getBlob(sha256);
  if (!existing) {
    await putBlob({ sha256, blob, type: blob.type, size: blob.size, work_order_id: workOrderId, purpose,
      upload_url: null, uploaded: false, created_at: Date.now() });
  }
  return sha256;
}

const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

async function createUpload(record, headers) {
  const meta = [`sha256 ${b64(record.sha256)}`, `filetype ${b64(record.type || "application/octet-stream")}`,
    `filename ${b64(`${record.sha256}.${record.type === "image/png" ? "png" : "jpg"}`)}`].join(",");
  const res = await fetch(`${API}/uploads/`, timed({ method: "POST",
    headers: { ...headers, ...TUS, "Upload-Length": String(record.size), "Upload-Metadata": meta } }));
  if (res.status !== 201) throw refused(res, "tus create");
  const url = new URL(res.headers.get("Location"), location.href).href;
  await putBlob({ ...record, upload_url: url });
  return url;
}

async function currentOffset(url, headers) {
  const res = await fetch(url, timed({ method: "HEAD", headers: { ...headers, ...TUS } }));
  if (res.status === 404 || res.status === 410) return null; // expired or removed: start over
  if (!res.ok) throw refused(res, "tus head");
  return Number(res.headers.get("Upload-Offset"));
}

export async function uploadBlob(record) {
  const headers = await authHeaders();
  const head = await fetch(`${API}/blobs/${record.sha256}`, timed({ method: "HEAD", headers }));
  if (head.ok) return markUploaded(record.sha256);
  if (head.status !== 404) throw refused(head, "blob head"); // 401 or a server in trouble: say so, do not upload blind
  let url = record.upload_url;
  let offset = url ? await currentOffset(url, headers) : null;
  if (offset === null) { url = await createUpload(record, headers); offset = 0; }
  while (offset < record.size) {
    const chunk = record.blob.slice(offset, offset + CHUNK_BYTES);
    const res = await fetch(url, timed({ method: "PATCH", body: chunk, headers: { ...headers, ...TUS,
      "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" } }));
    if (res.status === 409) { offset = await currentOffset(url, headers) ?? 0; continue; }
    if (res.status !== 204) throw refused(res, "tus patch");
    offset = Number(res.headers.get("Upload-Offset"));
  }
  return markUploaded(record.sha256);
}

/* Keeps the bytes (the screens show thumbnails from them) but marks them sent. */
function markUploaded(sha256) {
  return transact(["blobs"], "readwrite", async (s) => {
    const r = await promised(s.blobs.get(sha256));
    if (r) s.blobs.put({ ...r, uploaded: true, upload_url: null });
  });
}

export async function uploadPendingBlobs(options = {}) {
  timeoutMs = options.timeoutMs ?? null;
  try {
    for (const record of await listBlobs()) if (!record.uploaded) await uploadBlob(record);
  } finally { timeoutMs = null; }
}
