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

/* The short code the customer reads beside their signature (the hash's first 8 hex digits, as the
   server's receipt prints it: server/receipt.py verification_code); the full hash is on the receipt. */
export const verificationCode = (sha256) => `${sha256.slice(0, 4)}-${sha256.slice(4, 8)}`.toUpperCase();

/* What was signed, kept on the device (IndexedDB meta, key signed:<order id>) the moment the customer
   signs: the document and its hash, and everything the receipt shows in words (site and technician
   names, the customer's and the consent's names, photo kinds, every time of the procedure, the
   company's zone), so the receipt renders offline and names the customer even after the server
   stops showing the technician their details (README "Privacy"). */
export const signedKey = (orderId) => `signed:${orderId}`;

export function signedRecord(order, signature, { siteName, technicianName, timeZone }) {
  return {
    order_id: order.id,
    document: signedDocument(order),
    document_sha256: signature.document_sha256,
    site_name: siteName,
    technician_name: technicianName,
    description: order.description ?? "",
    // sensor-made texts as codes, so the receipt reads in the reader's language (the signed document keeps the stored words)
    title_code: order.title_code ?? null, title_args: order.title_args ?? null,
    description_code: order.description_code ?? null, description_args: order.description_args ?? null,
    consent: order.consent ? { ...order.consent } : (order.customer_name ? { customer_name: order.customer_name } : null),
    photos: (order.photos || []).map((p) => ({ sha256: p.sha256, kind: p.kind, taken_at: p.taken_at })),
    times: {
      created_at: order.created_at ?? null, dispatched_at: order.dispatched_at ?? null, accepted_at: order.accepted_at ?? null,
      arrived_at: order.arrived_at ?? null, completed_at: order.completed_at ?? null, signed_at: signature.signed_at,
    },
    signature: { ...signature },
    time_zone: timeZone,
  };
}
