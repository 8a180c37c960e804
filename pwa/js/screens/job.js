/* The job screen: accept, arrive, confirm scope and price with the customer, notes, photos,
   complete, then hand the tablet to the customer. Every step is queued durably before it shows. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { getObject } from "../db.js";
import { enqueue, pendingCounts } from "../../sync.js";
import { uuid7 } from "../uuid7.js";
import { yuanToFen, formatFen } from "../money.js";
import { resizePhoto } from "../photo-resize.js";
import { storeBlob } from "../tus-upload.js";
import { LocalRuleError } from "../transitions.js";
import { SignaturePad } from "../signature-pad.js";
import { statusChip, pendingBadge, rejectionsFor, rejectionList, photoThumb, markRejectionsSeen, receiptLink } from "../order-view.js";

const PHOTO_KINDS = ["before", "after", "cleanup", "damage"];

export async function showJob(root, { params, user }) {
  const id = params[0];
  const row = await getObject("work_order", id);
  if (!row) { mount(root, h("p", { class: "empty", testid: "job-missing" }, t("job.missing"))); return; }
  const o = row.value;
  const counts = await pendingCounts();
  const message = h("p", { class: "error", testid: "job-message", role: "alert" });
  const rerender = () => showJob(root, { params, user });

  async function step(name, args) {
    message.textContent = "";
    try {
      await enqueue(name, { work_order_id: id, ...args });
      document.dispatchEvent(new CustomEvent("fieldops:changed"));
      await rerender();
    } catch (err) {
      message.textContent = err instanceof LocalRuleError ? t(`error.${err.code}`) : err.message;
    }
  }

  const sections = [];
  if (o.status === "dispatched") sections.push(h("button", { class: "primary big", testid: "accept", onclick: () => step("accept", {}) }, t("job.accept")));
  if (o.status === "accepted") sections.push(h("button", { class: "primary big", testid: "arrive", onclick: () => step("arrive", {}) }, t("job.arrive")));
  if (o.status === "on_site") sections.push(scopeForm(id, step, message));
  if (["on_site", "in_progress", "completed"].includes(o.status)) sections.push(photoForm(id, step, message));
  if (o.status === "in_progress") sections.push(completeForm(o, step));
  if (o.status === "completed") {
    sections.push(h("a", { href: `#/sign/${encodeURIComponent(id)}`, class: "button primary big", testid: "hand-to-customer" }, t("job.hand_to_customer")));
  }
  if (["signed_off", "disputed", "closed"].includes(o.status)) {
    sections.push(receiptLink(id));
  }
  if (["dispatched", "accepted", "on_site", "in_progress"].includes(o.status)) sections.push(deferForm(step));

  const rejections = await rejectionsFor(id);
  mount(root, h("section", { class: "job-screen", testid: "job-screen", "data-status": o.status },
    h("h1", {}, o.title),
    h("p", { class: "job-meta" }, statusChip(o.status), pendingBadge(counts.byOrder[id]),
      row.conflict ? h("span", { class: "badge conflict", testid: "local-conflict" }, t("job.local_conflict")) : null),
    h("dl", { class: "facts" },
      fact(t("order.unit"), `${o.site_id} · ${o.unit}`),
      fact(t("order.description"), o.description),
      o.reporter ? fact(t("order.reporter"), `${o.reporter.name ?? ""} ${o.reporter.phone ?? ""}`) : null,
      o.scope ? fact(t("order.scope"), o.scope) : null,
      o.labor_fee !== null && o.labor_fee !== undefined ? fact(t("order.fees"),
        `${t("order.labor_fee")} ${formatFen(o.labor_fee)} · ${t("order.material_fee")} ${formatFen(o.material_fee)}`) : null,
      o.summary ? fact(t("order.summary"), o.summary) : null),
    rejectionList(rejections),
    message,
    sections,
    h("h2", {}, t("job.photos")),
    h("div", { class: "thumbs", testid: "photo-list" }, (o.photos || []).map((p) =>
      h("figure", {}, photoThumb(p.sha256, t(`photo.kind.${p.kind}`)), h("figcaption", {}, t(`photo.kind.${p.kind}`))))),
    notesSection(o, step)));
  if (rejections.length) markRejectionsSeen(id);
}

const fact = (label, value) => [h("dt", {}, label), h("dd", {}, value ?? "")];

function scopeForm(id, step, message) {
  const scope = h("textarea", { name: "scope", required: true, rows: 3, testid: "scope-text" });
  const labor = h("input", { name: "labor_fee", inputmode: "decimal", required: true, testid: "labor-fee", placeholder: "0.00" });
  const material = h("input", { name: "material_fee", inputmode: "decimal", required: true, testid: "material-fee", placeholder: "0.00" });
  const customer = h("input", { name: "customer_name", required: true, testid: "customer-name", autocomplete: "off" });
  // Paid work (有偿服务): the customer signs the scope and price on the tablet before work starts (DOMAIN.md step 5).
  const canvas = h("canvas", { class: "signature", testid: "consent-pad", "aria-label": t("scope.consent_pad") });
  const pad = new SignaturePad(canvas);
  return h("form", { class: "card", testid: "scope-form", onsubmit: async (e) => {
    e.preventDefault();
    const laborFen = yuanToFen(labor.value), materialFen = yuanToFen(material.value);
    if (laborFen === null || materialFen === null) { message.textContent = t("error.bad_money"); return; }
    const args = { scope: scope.value.trim(), labor_fee: laborFen, material_fee: materialFen, customer_name: customer.value.trim() };
    if (!pad.isEmpty) args.consent_signature_sha256 = await storeBlob(await pad.toPngBlob(), id, "signature");
    else if (laborFen + materialFen > 0) { message.textContent = t("scope.need_consent"); return; }
    step("confirm_scope", args);
  } },
  h("h2", {}, t("scope.title")),
  h("label", {}, t("order.scope"), scope),
  h("label", {}, t("scope.labor_yuan"), labor),
  h("label", {}, t("scope.material_yuan"), material),
  h("p", { class: "hint" }, t("scope.customer_hint")),
  h("label", {}, t("scope.customer_name"), customer),
  h("p", { class: "hint", id: "consent-pad-label" }, t("scope.consent_pad")),
  canvas,
  h("button", { type: "button", testid: "consent-clear", onclick: () => pad.clear() }, t("sign.clear")),
  h("button", { type: "submit", class: "primary big", testid: "confirm-scope" }, t("scope.customer_agrees")));
}

function photoForm(id, step, message) {
  const kind = h("select", { name: "kind", testid: "photo-kind" }, PHOTO_KINDS.map((k) => h("option", { value: k }, t(`photo.kind.${k}`))));
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", testid: "photo-input", class: "file",
    onchange: async () => {
      const file = input.files[0];
      if (!file) return;
      message.textContent = t("photo.saving");
      try {
        const jpeg = await resizePhoto(file);
        const sha256 = await storeBlob(jpeg, id, "photo"); // bytes first: the mutation may name them
        await step("attach_photo", { sha256, kind: kind.value, taken_at: new Date(file.lastModified || Date.now()).toISOString() });
      } catch (err) { message.textContent = t("photo.failed", { reason: err.message }); }
    } });
  return h("div", { class: "card", testid: "photo-form" }, h("h2", {}, t("photo.add")),
    h("label", {}, t("photo.kind_label"), kind), h("label", { class: "button" }, t("photo.take"), input));
}

function completeForm(o, step) {
  const hasCleanup = (o.photos || []).some((p) => p.kind === "cleanup");
  const summary = h("textarea", { name: "summary", required: true, rows: 3, testid: "summary" });
  return h("form", { class: "card", testid: "complete-form", onsubmit: (e) => { e.preventDefault(); step("complete", { summary: summary.value.trim() }); } },
    h("h2", {}, t("complete.title")),
    hasCleanup ? null : h("p", { class: "hint warn", testid: "cleanup-needed" }, t("error.cleanup_photo_required")),
    h("label", {}, t("order.summary"), summary),
    h("button", { type: "submit", class: "primary big", testid: "complete", disabled: !hasCleanup }, t("complete.submit")));
}

function deferForm(step) {
  const reason = h("input", { name: "reason", required: true, testid: "defer-reason" });
  const promised = h("input", { name: "promised_at", type: "datetime-local", required: true, testid: "defer-promised" });
  return h("details", { class: "card" }, h("summary", {}, t("defer.title")),
    h("form", { testid: "defer-form", onsubmit: (e) => { e.preventDefault();
      step("defer", { reason: reason.value.trim(), promised_at: new Date(promised.value).toISOString() }); } },
    h("label", {}, t("defer.reason"), reason), h("label", {}, t("defer.promised_at"), promised),
    h("button", { type: "submit", testid: "defer-submit" }, t("defer.submit"))));
}

function notesSection(o, step) {
  const text = h("textarea", { name: "note", rows: 2, required: true, testid: "note-text" });
  return h("section", { class: "notes" }, h("h2", {}, t("job.notes")),
    h("ul", { testid: "note-list" }, (o.notes || []).map((n) => h("li", { testid: "note" }, h("time", { datetime: n.occurred_at }, localTime(n.occurred_at)), " ", n.text))),
    h("form", { onsubmit: (e) => { e.preventDefault(); step("add_note", { id: uuid7(), text: text.value.trim() }); } },
      h("label", {}, t("job.add_note"), text), h("button", { type: "submit", testid: "note-submit" }, t("job.save_note"))));
}
