/* The receipt (维修服务通知单), rendered on the device from what the customer signed (signed-document.js,
   kept in IndexedDB at signing), so it opens with no network: the customer's and the consent's names,
   the scope, fees and total, photos with their kinds, the signature, every time of the procedure in the
   company's zone, the verification code and the full hash. Prints on A4 and A5 (app.css @media print).
   Online it also hands the customer a link and its QR code, and downloads the server's PDF. An order
   not signed on this device is shown from the replica as the server sent it. */
import { h, mount } from "../dom.js";
import { t } from "../i18n.js";
import { getObject, getMeta } from "../db.js";
import { API, api, authHeaders } from "../api.js";
import { formatFen } from "../money.js";
import { orderNumber } from "../order-number.js";
import { signedKey, signedRecord, signedDocument, documentSha256, verificationCode } from "../signed-document.js";
import { photoThumb, stillOn } from "../order-view.js";
import { systemText } from "../system-text.js";
import { openPhotoViewer } from "../photo-viewer.js";
import { loadNames } from "../names.js";

const CHINA = new Set(["Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"]);

/* "2026-03-10 09:00" in the company's zone, whatever zone the device is in. */
export function companyTime(iso, zone) {
  if (!iso) return "";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

const zoneName = (zone) => (CHINA.has(zone) ? t("receipt.zone_china") : zone);

/* The record a receipt renders: what was signed on this device, else the order as the replica has it. */
async function receiptRecord(o) {
  const kept = await getMeta(signedKey(o.id));
  if (kept) return { ...kept, from_device: true };
  const names = await loadNames();
  const zone = (await getMeta("time_zone")) || "Asia/Shanghai";
  const s = o.signature || { document_sha256: await documentSha256(o), signed_at: null };
  return { ...signedRecord(o, s, { siteName: names.site(o.site_id), technicianName: names.person(o.assignee_id), timeZone: zone }),
    signature: o.signature, from_device: false };
}

export async function showReceipt(root, { params, user }) {
  const id = params[0];
  const row = await getObject("work_order", id);
  const kept = row ? null : await getMeta(signedKey(id));
  if (!row && !kept) { mount(root, h("p", { class: "empty", testid: "job-missing" }, t("job.missing"))); return; }
  const o = row?.value;
  const r = o ? await receiptRecord(o) : { ...kept, from_device: true };
  if (!stillOn("receipt", id)) return;
  const d = r.document || (o ? signedDocument(o) : {});
  const zone = r.time_zone || "Asia/Shanghai";
  const s = r.signature;
  const none = t("receipt.none");
  const row2 = (label, value, testid) => h("tr", {}, h("th", { scope: "row" }, label), h("td", { testid }, value === "" || value == null ? none : value));
  const consent = r.consent;
  const consentText = consent ? [consent.customer_name || none,
    t(consent.signature_sha256 ? "receipt.consent_signed" : "receipt.consent_unsigned"),
    consent.occurred_at ? companyTime(consent.occurred_at, zone) : null].filter(Boolean).join(" · ") : none;
  const times = [["created_at", "receipt.t_recorded"], ["dispatched_at", "receipt.t_dispatched"], ["accepted_at", "receipt.t_taken"],
    ["arrived_at", "receipt.t_arrived"], ["completed_at", "receipt.t_completed"], ["signed_at", "receipt.t_signed"]]
    .filter(([key]) => r.times?.[key]);
  const message = h("p", { class: "hint", role: "status", testid: "receipt-message" });
  const share = h("div", { class: "receipt-share", testid: "receipt-share" });

  async function makeLink() {
    message.textContent = "";
    if (!navigator.onLine) { message.textContent = t("receipt.needs_network"); return; }
    try {
      const link = await api(`/work-orders/${encodeURIComponent(id)}/receipt-link`, { method: "POST" });
      share.replaceChildren(
        h("p", {}, t("receipt.link_for_customer", { until: companyTime(link.expires_at, zone) })),
        h("img", { class: "qr", testid: "receipt-qr", alt: t("receipt.qr_alt"), src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(link.qr_svg)}` }),
        h("p", {}, h("a", { href: link.url, testid: "receipt-url", class: "url", target: "_blank", rel: "noopener noreferrer" }, link.url)));
    } catch (err) {
      message.textContent = err.code === "http_0" || err instanceof TypeError ? t("receipt.needs_network") : t("receipt.link_failed", { why: err.message });
    }
  }

  async function downloadPdf() {
    message.textContent = "";
    try {
      const res = await fetch(`${API}/work-orders/${encodeURIComponent(id)}/receipt.pdf?lang=${document.documentElement.lang === "en" ? "en" : "zh"}`,
        { headers: await authHeaders() });
      if (!res.ok) { message.textContent = t("receipt.pdf_failed"); return; }
      const url = URL.createObjectURL(await res.blob());
      const a = h("a", { href: url, download: `receipt-${id}.pdf` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (_) { message.textContent = t("receipt.needs_network"); }
  }

  const staff = user && user.role !== "guard";
  mount(root, h("article", { class: "receipt", testid: "receipt-screen", "data-source": r.from_device ? "device" : "replica" },
    h("h1", {}, t("receipt.heading")),
    h("p", { class: "sub" }, h("span", { testid: "receipt-site" }, r.site_name), " · ", t("receipt.no"), " ", orderNumber(id)),
    h("table", { class: "receipt-table" }, h("tbody", {},
      row2(t("order.unit"), d.unit, "receipt-unit"),
      row2(t("order.title"), systemText(r.title_code, r.title_args, d.title)),
      row2(t("order.description"), systemText(r.description_code, r.description_args, r.description)),
      row2(t("order.scope"), d.scope),
      row2(t("order.labor_fee"), formatFen(d.labor_fee)),
      row2(t("order.material_fee"), formatFen(d.material_fee)),
      row2(t("order.total"), h("strong", {}, formatFen((d.labor_fee || 0) + (d.material_fee || 0))), "receipt-total"),
      row2(t("receipt.consent"), consentText, "receipt-consent"),
      row2(t("order.summary"), d.summary),
      row2(t("receipt.technician"), r.technician_name, "receipt-technician"))),
    h("h2", {}, t("receipt.times"), " ", h("span", { class: "hint" }, `(${zoneName(zone)})`)),
    h("table", { class: "receipt-table", testid: "receipt-times" }, h("tbody", {},
      times.map(([key, label]) => h("tr", { "data-step": key }, h("th", { scope: "row" }, t(label)), h("td", {}, companyTime(r.times[key], zone)))))),
    h("h2", {}, t("signoff.photos")),
    h("div", { class: "thumbs receipt-photos", testid: "receipt-photos" }, (r.photos || []).map((p) => {
      const caption = t(`photo.kind.${p.kind}`);
      return h("figure", { testid: "receipt-photo" },
        h("button", { type: "button", class: "thumb-button", "aria-label": t("signoff.photo_open", { kind: caption }), onclick: () => openPhotoViewer(p.sha256, caption) },
          photoThumb(p.sha256, caption)),
        h("figcaption", {}, caption, " · ", companyTime(p.taken_at, zone)));
    })),
    h("h2", {}, t("receipt.signature")),
    s ? h("div", { class: "receipt-signature", testid: "receipt-signature" },
      h("p", {}, t("receipt.signer"), " ", h("strong", { testid: "receipt-signer" }, s.signer_name || none), " · ",
        h("span", { testid: "receipt-outcome" }, t(s.accepted ? "receipt.accepted" : "receipt.refused")),
        s.on_behalf ? [" ", h("span", { class: "badge", testid: "receipt-on-behalf" }, t("signoff.on_behalf_marked"))] : null),
      s.comment ? h("p", { testid: "receipt-comment" }, t("sign.comment"), ": ", s.comment) : null,
      s.signature_sha256 ? signatureImage(s.signature_sha256) : null)
      : h("p", { testid: "receipt-signature" }, t("receipt.unsigned")),
    h("h2", {}, t("receipt.check")),
    h("p", {}, t("signoff.code"), " ", h("strong", { class: "code", testid: "receipt-code" }, verificationCode(r.document_sha256))),
    h("p", { class: "hash" }, t("receipt.full_hash"), " ", h("code", { testid: "receipt-hash" }, r.document_sha256)),
    h("div", { class: "row noprint" },
      h("button", { type: "button", class: "primary", testid: "receipt-print", onclick: () => window.print() }, t("receipt.print")),
      staff ? h("button", { type: "button", testid: "receipt-share-link", onclick: makeLink }, t("receipt.share")) : null,
      staff ? h("button", { type: "button", testid: "receipt-pdf", onclick: downloadPdf }, t("receipt.pdf")) : null,
      h("a", { href: `#/job/${encodeURIComponent(id)}`, class: "button", testid: "receipt-back" }, t("receipt.back"))),
    message,
    share));
}

function signatureImage(sha256) {
  const img = photoThumb(sha256, t("receipt.signature"));
  img.className = "signature-image";
  img.loading = "eager";
  img.dataset.testid = "receipt-signature-image";
  return img;
}
