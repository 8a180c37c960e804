/* HTTP to /api/v1 with the stored bearer token; errors become ApiError carrying the
   CONTRACT's {"error": {"code", "message"}} so screens can show the server's own sentence. */
import { getMeta } from "./db.js";

export const API = "/api/v1";

export class ApiError extends Error {
  /* `details`: the error's facts beside code and message (e.g. `last_mutation_id` of a mutation_gap). */
  constructor(status, code, message, details = {}) { super(message); this.status = status; this.code = code; this.details = details; }
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
    let code = `http_${res.status}`, message = res.statusText, details = {};
    try {
      const j = await res.json();
      code = j.error?.code || code; message = j.error?.message || message;
      const { code: _code, message: _message, ...facts } = j.error || {};
      details = facts;
    } catch (_) { /* not JSON */ }
    throw new ApiError(res.status, code, message, details);
  }
  if (res.status === 204) return null;
  return res.json();
}
