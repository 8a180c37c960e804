/* The document a customer signs (CONTRACT "Sign-off"): built from the local replica of the order,
   exactly the fields an offline device still knows, and its SHA-256 over canonical JSON. */
import { canonicalJsonSha256 } from "./canonical-json.js";

export function signedDocument(order) {
  return {
    work_order_id: order.id,
    site_id: order.site_id,
    unit: order.unit,
    title: order.title,
    scope: order.scope ?? null,
    labor_fee: order.labor_fee ?? null,
    material_fee: order.material_fee ?? null,
    summary: order.summary ?? null,
    photos: (order.photos || []).map((p) => p.sha256).sort(),
  };
}

export function documentSha256(order) {
  return canonicalJsonSha256(signedDocument(order));
}
