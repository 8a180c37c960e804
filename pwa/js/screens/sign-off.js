/* The customer's sign-off, full screen, in words a resident follows: where (site name and unit), what
   was done, every photo with its kind (tap for full screen, pinch to zoom), the total, one sentence of
   what signing means, and a short verification code (the full hash is on the receipt). The name is
   prefilled from the order. Accept with a drawn signature, or refuse with a comment and no drawing
   (the technician may record it on the customer's behalf, marked as such). What was signed is kept on
   the device (signed-document.js), so the receipt shows offline; then the receipt screen. */
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { getObject, getMeta, setMeta } from "../db.js";
import { enqueue } from "../../sync.js";
import { formatFen } from "../money.js";
import { signedDocument, documentSha256, verificationCode, signedKey, signedRecord } from "../signed-document.js";
import { SignaturePad } from "../signature-pad.js";
import { storeBlob } from "../tus-upload.js";
import { photoThumb } from "../order-view.js";
import { openPhotoViewer } from "../photo-viewer.js";
import { loadNames } from "../names.js";
import { orderTitle } from "../system-text.js";

/* The customer's name as the order knows it: the name on the price consent, else the reporter. */
export const customerNameOf = (o) => o.customer_name || o.consent?.customer_name || o.reporter?.name || "";

export async function showSignOff(root, { params }) {
  const id = params[0];
  const row = await getObject("work_order", id);
  if (!row) { mount(root, h("p", { class: "empty", testid: "job-missing" }, t("job.missing"))); return; }
  const o = row.value;
  // a disputed order is signed again only when the technician hands the tablet over anew (#/sign/id/again)
  if (o.status !== "completed" && !(o.status === "disputed" && params[1] === "again")) { showSigned(root, o); return; }
  const doc = signedDocument(o);
  const names = await loadNames();
  const me = (await getMeta("auth"))?.user;
  const technicianName = o.assignee_id === me?.id ? me.name : names.person(o.assignee_id);
  const hash = await documentSha256(o);
  const total = formatFen((doc.labor_fee || 0) + (doc.material_fee || 0));
  const canvas = h("canvas", { class: "signature", testid: "signature-pad", "aria-label": t("sign.pad") });
  const signer = h("input", { name: "signer_name", required: true, autocomplete: "name", testid: "signer-name", value: customerNameOf(o) });
  const comment = h("textarea", { name: "comment", rows: 2, testid: "sign-comment" });
  const onBehalf = h("input", { type: "checkbox", name: "on_behalf", testid: "sign-on-behalf" });
  const message = h("p", { class: "error", role: "alert", testid: "sign-message" });
  const acceptBtn = h("button", { type: "button", class: "primary big", testid: "sign-accept", onclick: () => submit(true) }, t("sign.accept"));
  const refuseBtn = h("button", { type: "button", class: "danger big", testid: "sign-refuse", onclick: () => submit(false) }, t("sign.refuse"));

  async function submit(accepted) {
    message.textContent = "";
    // accepting needs the drawing; a customer who refuses may refuse to sign too, but says why (CONTRACT.md)
    if (accepted && onBehalf.checked) { message.textContent = t("signoff.on_behalf_refusal_only"); return; }
    if (accepted && pad.isEmpty) { message.textContent = t("sign.need_signature"); return; }
    if (!signer.value.trim()) { message.textContent = t("sign.need_name"); return; }
    if (!accepted && !comment.value.trim()) { message.textContent = t("sign.need_comment"); return; }
    acceptBtn.disabled = refuseBtn.disabled = true;
    try {
      const signature_sha256 = pad.isEmpty || onBehalf.checked ? null : await storeBlob(await pad.toPngBlob(), id, "signature");
      const args = { work_order_id: id, signer_name: signer.value.trim(), signature_sha256, accepted,
        document_sha256: hash, signed_at: new Date().toISOString() };
      if (comment.value.trim()) args.comment = comment.value.trim();
      if (!accepted && onBehalf.checked) args.on_behalf = true;
      // what was signed, kept first: the receipt renders from it, offline too
      const timeZone = (await getMeta("time_zone")) || "Asia/Shanghai";
      const { work_order_id: _, ...signature } = args;
      await setMeta(signedKey(id), signedRecord(o, signature, { siteName: names.site(o.site_id), technicianName, timeZone }));
      await enqueue("sign_off", args);
      document.dispatchEvent(new CustomEvent("fieldops:changed"));
      showSigned(root, (await getObject("work_order", id)).value);
    } catch (err) {
      message.textContent = err.message;
      acceptBtn.disabled = refuseBtn.disabled = false;
    }
  }

  const photos = o.photos || [];
  mount(root, h("section", { class: "sign-off", testid: "sign-off-screen", "data-document-sha256": hash },
    h("h1", {}, t("sign.title")),
    h("p", { class: "sign-where", testid: "doc-unit" }, h("strong", { testid: "doc-site" }, names.site(doc.site_id)), " ", doc.unit),
    h("dl", { class: "facts document", testid: "signed-document" },
      h("dt", {}, t("order.title")), h("dd", { testid: "doc-title" }, orderTitle(o, names)),
      h("dt", {}, t("order.scope")), h("dd", { testid: "doc-scope" }, doc.scope ?? ""),
      h("dt", {}, t("order.summary")), h("dd", { testid: "doc-summary" }, doc.summary ?? ""),
      h("dt", {}, t("order.labor_fee")), h("dd", { testid: "doc-labor-fee" }, formatFen(doc.labor_fee)),
      h("dt", {}, t("order.material_fee")), h("dd", { testid: "doc-material-fee" }, formatFen(doc.material_fee)),
      h("dt", {}, t("order.total")), h("dd", { testid: "doc-total", class: "total" }, total)),
    photos.length ? h("h2", {}, t("signoff.photos")) : null,
    h("div", { class: "thumbs sign-photos", testid: "doc-photos" }, photos.map((p) => {
      const caption = t(`photo.kind.${p.kind}`);
      return h("figure", { testid: "doc-photo", "data-kind": p.kind },
        h("button", { type: "button", class: "thumb-button", testid: "doc-photo-open", "aria-label": t("signoff.photo_open", { kind: caption }),
          onclick: () => openPhotoViewer(p.sha256, caption) }, photoThumb(p.sha256, caption)),
        h("figcaption", { testid: "doc-photo-kind" }, caption));
    })),
    h("p", { class: "confirms", testid: "sign-confirms" },
      t("signoff.confirms", { technician: technicianName || t("signoff.the_technician"), title: orderTitle(o, names), total })),
    h("p", { class: "code-line" }, t("signoff.code"), " ", h("strong", { class: "code", testid: "verification-code" }, verificationCode(hash)),
      h("span", { class: "hint" }, " ", t("signoff.code_hint"))),
    h("label", {}, t("sign.signer_name"), signer),
    canvas,
    h("div", { class: "row" },
      h("button", { type: "button", testid: "signature-undo", onclick: () => pad.undo() }, t("sign.undo")),
      h("button", { type: "button", testid: "signature-clear", onclick: () => pad.clear() }, t("sign.clear"))),
    h("label", {}, t("sign.comment"), comment),
    h("label", { class: "check" }, onBehalf, " ", t("signoff.on_behalf")),
    message,
    h("div", { class: "row" }, acceptBtn, refuseBtn)));
  const pad = new SignaturePad(canvas);
}

/* After signing: a short screen, shown from its top whatever the scroll and keyboard were (on a phone
   the page kept the old offset and showed white: the keyboard closes, the page scrolls home). */
function showSigned(root, o) {
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
  mount(root, signedView(o));
  window.scrollTo(0, 0);
  root.querySelector("h1")?.focus({ preventScroll: true });
}

function signedView(o) {
  const s = o.signature;
  return h("section", { class: "sign-off done", testid: "signed-screen", "data-status": o.status },
    h("h1", { tabindex: -1 }, s ? t(s.accepted ? "sign.thanks_accepted" : "sign.thanks_refused") : t(`status.${o.status}`)),
    s ? h("p", { class: "code-line" }, t("signoff.code"), " ",
      h("strong", { class: "code", testid: "signed-verification-code" }, verificationCode(s.document_sha256))) : null,
    s?.on_behalf ? h("p", { class: "hint", testid: "signed-on-behalf" }, t("signoff.on_behalf_marked")) : null,
    h("div", { class: "row" },
      h("a", { href: `#/receipt/${encodeURIComponent(o.id)}`, class: "button primary big", testid: "receipt-link" }, t("job.receipt")),
      h("a", { href: `#/job/${encodeURIComponent(o.id)}`, class: "button", testid: "back-to-job" }, t("sign.back_to_technician"))));
}
