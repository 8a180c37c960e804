/* Canonical JSON, byte for byte what Python's json.dumps(obj, sort_keys=True,
   separators=(",", ":"), ensure_ascii=False) gives, so client and server hash the same bytes. */

// Python sorts dict keys by code point; JS's default sort compares UTF-16 units, which
// disagrees for characters outside the BMP, so compare code points explicitly.
export function compareCodePoints(a, b) {
  const ca = Array.from(a), cb = Array.from(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i].codePointAt(0) - cb[i].codePointAt(0);
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

export function canonicalJson(value) {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "number") {
    // Python prints floats differently (1.0, 1e+16); the signed document carries only integers.
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON takes integers only, got ${value}`);
    return String(value);
  }
  // JSON.stringify escapes exactly what Python escapes with ensure_ascii=False: " \ \b \f \n \r \t
  // and other controls as lower-case \u00xx; everything else is emitted raw.
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(canonicalJson).join(",") + "]";
  if (typeof value === "object") {
    const keys = Object.keys(value).sort(compareCodePoints);
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonicalJson(value[k])).join(",") + "}";
  }
  throw new TypeError(`canonical JSON cannot encode ${typeof value}`);
}

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function canonicalJsonSha256(value) {
  return sha256Hex(new TextEncoder().encode(canonicalJson(value)));
}
