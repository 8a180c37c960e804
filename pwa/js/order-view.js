/* Pieces of a work order shown on several screens: status chip, pending badge, rejections,
   photo thumbnails from local bytes (or the server's thumbnail once uploaded). */
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { getBlob, listRejections, transact, promised } from "./db.js";
import { API, authHeaders } from "./api.js";

export const statusChip = (status) => h("span", { class: `chip status-${status}`, testid: "status" }, t(`status.${status}`));

export function pendingBadge(count) {
  return count ? h("span", { class: "badge pending", testid: "order-pending" }, t("sync.order_pending", { n: count })) : null;
}

export async function rejectionsFor(orderId) {
  return (await listRejections()).filter((r) => r.object_id === orderId);
}

export function rejectionList(rejections) {
  if (!rejections.length) return null;
  return h("ul", { class: "rejections", testid: "rejections" }, rejections.map((r) =>
    h("li", { testid: "rejection" }, h("strong", {}, t(`mutation.${r.name}`)), " — ",
      t(`error.${r.code}`) !== `error.${r.code}` ? t(`error.${r.code}`) : r.message)));
}

export async function markRejectionsSeen(orderId) {
  await transact(["rejections"], "readwrite", async (s) => {
    for (const r of await promised(s.rejections.getAll())) if (r.object_id === orderId && !r.seen) s.rejections.put({ ...r, seen: true });
  });
}

/* An <img> for a photo: local bytes while we have them, else the server thumbnail (with auth). */
export function photoThumb(sha256, alt = "") {
  const img = h("img", { class: "thumb", alt, testid: "photo-thumb", loading: "lazy" });
  img.dataset.sha256 = sha256;
  (async () => {
    const local = await getBlob(sha256);
    if (local?.blob) { img.src = URL.createObjectURL(local.blob); return; }
    try {
      const res = await fetch(`${API}/blobs/${sha256}?thumb=1`, { headers: await authHeaders() });
      if (res.ok) img.src = URL.createObjectURL(await res.blob());
      else img.alt = t("photo.pending");
    } catch (_) { img.alt = t("photo.pending"); }
  })();
  return img;
}

/* The receipt needs the bearer token, so fetch it and show it in a new window inside a sandboxed frame:
   the frame has an opaque origin, so whatever the receipt holds never runs with the app's origin, storage
   or token (a blob: URL would). Scripts are allowed only for its print button, which the CSP pins by hash. */
export function receiptLink(orderId) {
  const href = `${API}/work-orders/${encodeURIComponent(orderId)}/receipt`;
  return h("a", { href, class: "button", testid: "receipt-link", onclick: async (e) => {
    e.preventDefault();
    const win = window.open("", "_blank");
    try {
      const res = await fetch(href, { headers: await authHeaders() });
      const html = await res.text();
      if (win) showSandboxed(win.document, html, t("job.receipt"));
    } catch (_) { win?.close(); alert(t("sync.offline")); }
  } }, t("job.receipt"));
}

function showSandboxed(doc, html, title) {
  const frame = doc.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts allow-modals");
  frame.title = title;
  frame.srcdoc = html;
  frame.style.cssText = "border:0;width:100%;height:100%;display:block";
  doc.title = title;
  doc.documentElement.style.height = doc.body.style.height = "100%";
  doc.body.style.margin = "0";
  doc.body.replaceChildren(frame);
}
