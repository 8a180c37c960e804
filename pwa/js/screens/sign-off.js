/* The customer's sign-off, full screen: exactly the canonical document being signed (scope,
   fees, summary, photos), a signature pad, accept or refuse with a comment; then the receipt. */
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { getObject } from "../db.js";
import { enqueue } from "../../sync.js";
import { formatFen } from "../money.js";
import { signedDocument, documentSha256 } from "../signed-document.js";
import { SignaturePad } from "../signature-pad.js";
import { storeBlob } from "../tus-upload.js";
import { photoThumb, receiptLink } from "../order-view.js";
import { loadNames } from "../names.js";

export async function showSignOff(root, { params }) {
  const id = params[0];
  const row = await getObject("work_order", id);
  if (!row) { mount(root, h("p", { class: "empty", testid: "job-missing" }, t("job.missing"))); return; }
  const o = row.value;
  // a disputed order is signed again only when the technician hands the tablet over anew (#/sign/id/again)
  if (o.status !== "completed" && !(o.status === "disputed" && params[1] === "again")) { mount(root, signedView(o)); return; }
  const doc = signedDocument(o);
  const names = await loadNames();
  const hash = await documentSha256(o);
  const canvas = h("canvas", { class: "signature", testid: "signature-pad", "aria-label": t("sign.pad") });
  const signer = h("input", { name: "signer_name", required: true, testid: "signer-name", value: o.customer_name || "" });
  const comment = h("textarea", { name: "comment", rows: 2, testid: "sign-comment" });
  const message = h("p", { class: "error", role: "alert", testid: "sign-message" });
  const acceptBtn = h("button", { type: "button", class: "primary big", testid: "sign-accept", onclick: () => submit(true) }, t("sign.accept"));
  const refuseBtn = h("button", { type: "button", class: "danger big", testid: "sign-refuse", onclick: () => submit(false) }, t("sign.refuse"));

  async function submit(accepted) {
    message.textContent = "";
    // accepting needs the drawing; a customer who refuses may refuse to sign too, but says why (CONTRACT.md)
    if (accepted && pad.isEmpty) { message.textContent = t("sign.need_signature"); return; }
    if (!signer.value.trim()) { message.textContent = t("sign.need_name"); return; }
    if (!accepted && !comment.value.trim()) { message.textContent = t("sign.need_comment"); return; }
    acceptBtn.disabled = refuseBtn.disabled = true;
    try {
      const signature_sha256 = pad.isEmpty ? null : await storeBlob(await pad.toPngBlob(), id, "signature");
      const args = { work_order_id: id, signer_name: signer.value.trim(), signature_sha256, accepted,
        document_sha256: hash, signed_at: new Date().toISOString() };
      if (comment.value.trim()) args.comment = comment.value.trim();
      await enqueue("sign_off", args);
      document.dispatchEvent(new CustomEvent("fieldops:changed"));
      mount(root, signedView((await getObject("work_order", id)).value));
    } catch (err) {
      message.textContent = err.message;
      acceptBtn.disabled = refuseBtn.disabled = false;
    }
  }

  mount(root, h("section", { class: "sign-off", testid: "sign-off-screen", "data-document-sha256": hash },
    h("h1", {}, t("sign.title")),
    h("dl", { class: "facts document", testid: "signed-document" },
      h("dt", {}, t("order.title")), h("dd", { testid: "doc-title" }, doc.title),
      h("dt", {}, t("order.unit")), h("dd", { testid: "doc-unit" }, `${names.site(doc.site_id)} · ${doc.unit}`),
      h("dt", {}, t("order.scope")), h("dd", { testid: "doc-scope" }, doc.scope ?? ""),
      h("dt", {}, t("order.labor_fee")), h("dd", { testid: "doc-labor-fee" }, formatFen(doc.labor_fee)),
      h("dt", {}, t("order.material_fee")), h("dd", { testid: "doc-material-fee" }, formatFen(doc.material_fee)),
      h("dt", {}, t("order.total")), h("dd", { testid: "doc-total", class: "total" }, formatFen((doc.labor_fee || 0) + (doc.material_fee || 0))),
      h("dt", {}, t("order.summary")), h("dd", { testid: "doc-summary" }, doc.summary ?? "")),
    h("div", { class: "thumbs", testid: "doc-photos" }, doc.photos.map((sha) => photoThumb(sha))),
    h("p", { class: "hash" }, t("sign.document_hash"), " ", h("code", { testid: "document-sha256" }, hash)),
    h("label", {}, t("sign.signer_name"), signer),
    canvas,
    h("div", { class: "row" },
      h("button", { type: "button", testid: "signature-undo", onclick: () => pad.undo() }, t("sign.undo")),
      h("button", { type: "button", testid: "signature-clear", onclick: () => pad.clear() }, t("sign.clear"))),
    h("label", {}, t("sign.comment"), comment),
    message,
    h("div", { class: "row" }, acceptBtn, refuseBtn)));
  const pad = new SignaturePad(canvas);
}

function signedView(o) {
  const s = o.signature;
  return h("section", { class: "sign-off done", testid: "signed-screen", "data-status": o.status },
    h("h1", {}, s ? t(s.accepted ? "sign.thanks_accepted" : "sign.thanks_refused") : t(`status.${o.status}`)),
    s ? h("p", {}, t("sign.document_hash"), " ", h("code", { testid: "signed-document-sha256" }, s.document_sha256)) : null,
    receiptLink(o.id),
    h("a", { href: `#/job/${encodeURIComponent(o.id)}`, class: "button", testid: "back-to-job" }, t("sign.back_to_technician")));
}
