/* HTTP to /api/v1 with the stored bearer token; errors become ApiError carrying the
   CONTRACT's {"error": {"code", "message"}} so screens can show the server's own sentence. */
import { getMeta } from "./db.js";

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

export async function authHeaders() {
  const auth = await getMeta("auth");
  return auth?.token ? { Authorization: `Bearer ${auth.token}` } : {};
}

export async function api(path, { method = "GET", body, headers = {}, raw = false, signal } = {}) {
  const init = { method, headers: { ...(await authHeaders()), ...headers }, signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(API + path, init);
  if (raw) return res;
  if (!res.ok) {
    let code = `http_${res.status}`, message = res.statusText;
    try { const j = await res.json(); code = j.error?.code || code; message = j.error?.message || message; } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, code, message);
  }
  if (res.status === 204) return null;
  return res.json();
}
