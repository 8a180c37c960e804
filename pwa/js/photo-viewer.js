/* A photo full screen over the sign-off (or the receipt): the customer looks closely at the repair.
   Pinch with two fingers to zoom (pointer events, so it works on tablets and with a stylus), drag to
   move when zoomed, double-tap to toggle 2×, and +/− buttons for those who cannot pinch; Esc or
   Close ends it. The image is the device's own bytes when it has them, else the server's copy. */
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { getBlob } from "./db.js";
import { API, authHeaders } from "./api.js";

const MIN = 1;
const MAX = 6;

async function imageUrl(sha256) {
  const local = await getBlob(sha256);
  if (local?.blob) return URL.createObjectURL(local.blob);
  try {
    const res = await fetch(`${API}/blobs/${sha256}`, { headers: await authHeaders() });
    return res.ok ? URL.createObjectURL(await res.blob()) : null;
  } catch (_) { return null; }
}

export async function openPhotoViewer(sha256, caption) {
  const img = h("img", { class: "zoomable", alt: caption, testid: "viewer-image", draggable: false });
  const state = { scale: 1, x: 0, y: 0 };
  const apply = () => {
    state.scale = Math.min(MAX, Math.max(MIN, state.scale));
    if (state.scale === MIN) { state.x = 0; state.y = 0; }
    img.style.transform = `translate(${state.x}px, ${state.y}px) scale(${state.scale})`;
    dialog.dataset.scale = state.scale.toFixed(2);
  };
  const zoomBy = (factor) => { state.scale *= factor; apply(); };
  const close = h("button", { type: "button", testid: "viewer-close", onclick: () => dialog.close() }, t("viewer.close"));
  const stage = h("div", { class: "viewer-stage", testid: "viewer-stage" }, img);
  const dialog = h("dialog", { class: "viewer", testid: "zoom-viewer", "aria-label": caption, onclose: () => { dialog.remove(); if (img.src) URL.revokeObjectURL(img.src); } },
    h("div", { class: "viewer-bar" },
      h("span", { class: "viewer-caption", testid: "viewer-caption" }, caption),
      h("button", { type: "button", testid: "viewer-zoom-out", "aria-label": t("viewer.zoom_out"), onclick: () => zoomBy(1 / 1.5) }, "−"),
      h("button", { type: "button", testid: "viewer-zoom-in", "aria-label": t("viewer.zoom_in"), onclick: () => zoomBy(1.5) }, "+"),
      close),
    stage,
    h("p", { class: "viewer-hint" }, t("viewer.hint")));

  // Pinch: the ratio of the two pointers' distance now to when the second finger landed scales the image.
  const pointers = new Map();
  let pinch = null;
  let drag = null;
  let lastTap = 0;
  const distance = () => { const [a, b] = [...pointers.values()]; return Math.hypot(a.x - b.x, a.y - b.y); };
  stage.addEventListener("pointerdown", (e) => {
    stage.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pointers.size === 2) { pinch = { start: distance(), scale: state.scale }; drag = null; }
    else if (pointers.size === 1) {
      drag = { x: e.clientX - state.x, y: e.clientY - state.y };
      if (e.timeStamp - lastTap < 300) { state.scale = state.scale > 1 ? 1 : 2; apply(); }
      lastTap = e.timeStamp;
    }
  });
  stage.addEventListener("pointermove", (e) => {
    if (!pointers.has(e.pointerId)) return;
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (pinch && pointers.size === 2) { state.scale = pinch.scale * (distance() / pinch.start); apply(); }
    else if (drag && state.scale > 1) { state.x = e.clientX - drag.x; state.y = e.clientY - drag.y; apply(); }
  });
  const lift = (e) => { pointers.delete(e.pointerId); if (pointers.size < 2) pinch = null; if (!pointers.size) drag = null; };
  stage.addEventListener("pointerup", lift);
  stage.addEventListener("pointercancel", lift);
  stage.addEventListener("wheel", (e) => { e.preventDefault(); zoomBy(e.deltaY < 0 ? 1.2 : 1 / 1.2); }, { passive: false });

  document.body.append(dialog);
  dialog.showModal();
  close.focus();
  apply();
  const url = await imageUrl(sha256);
  if (url) img.src = url;
  else img.alt = t("photo.pending");
  return dialog;
}
