/* The job screen: accept, arrive, confirm scope and price with the customer, notes, photos,
   complete, then hand the tablet to the customer. Every step is queued durably before it shows.
   The service centre sees the same order with its own actions (dispatch or reassign to the site's
   technicians, defer, cancel, harm ongoing, what a disputed order allows next) and its timeline;
   each user sees only the buttons their role may press. */
import { h, mount } from "../dom.js";
import { t, localTime } from "../i18n.js";
import { getObject, listObjects } from "../db.js";
import { enqueue, pendingCounts } from "../../sync.js";
import { uuid7 } from "../uuid7.js";
import { yuanToFen } from "../money.js";
import { resizePhoto } from "../photo-resize.js";
import { storeBlob } from "../tus-upload.js";
import { LocalRuleError, isUnpriced } from "../transitions.js";
import { refusalList } from "../refusals.js";
import { SignaturePad } from "../signature-pad.js";
import { orderTitle, noteText } from "../system-text.js";
import { statusChip, pendingBadge, rejectionsFor, markRejectionsSeen, receiptLink, namesOf, orderFacts,
  deferredNote, harmNote, timelineSection, photoGallery, consentAndSignature, callBackHistory, conflictLine, tOr, stillOn } from "../order-view.js";

const PHOTO_KINDS = ["before", "after", "cleanup", "damage"];
/* Fresh data redraws the screen: a panel the user opened (defer, cancel) stays open across it. */
const openPanels = new Set();
let panelsOf = null; // the order they were opened on
const picked = new Map(); // order id -> technician chosen in the dispatch form, kept across a redraw
const panel = (key, ...children) => h("details", { class: "card", testid: key, open: openPanels.has(key),
  ontoggle: (e) => { if (e.target.open) openPanels.add(key); else openPanels.delete(key); } }, ...children);
const OFFICE = ["dispatcher", "supervisor", "admin"];
/* Orders a technician is working on: what "already holds" counts in the dispatch picker. */
export const HELD = ["dispatched", "accepted", "on_site", "in_progress", "deferred"];
const DISPATCHABLE = ["new", "deferred", "dispatched", "accepted", "disputed"];
const DEFERRABLE = ["new", "dispatched", "accepted", "on_site", "in_progress", "deferred"];
const CANCELLABLE = ["new", "dispatched", "accepted", "on_site", "in_progress", "deferred", "completed", "disputed"];

/* Draws started on the job screen: a draw that read the order before a newer one began (a sync's redraw still
   loading when the technician queued the next step) must not paint the older state over the newer. */
let draws = 0;

export async function showJob(root, { params, user }) {
  const id = params[0];
  const draw = ++draws;
  if (panelsOf !== id) { openPanels.clear(); panelsOf = id; }
  const row = await getObject("work_order", id);
  if (!row) { if (draw === draws) mount(root, h("p", { class: "empty", testid: "job-missing" }, t("job.missing"))); return; }
  const o = row.value;
  const counts = await pendingCounts();
  const names = await namesOf();
  const message = h("p", { class: "error", testid: "job-message", role: "alert" });
  const rerender = () => showJob(root, { params, user });
  const office = OFFICE.includes(user.role);
  const mine = user.role === "technician" && o.assignee_id === user.id;

  async function step(name, args) {
    message.textContent = "";
    try {
      await enqueue(name, { work_order_id: id, ...args });
      openPanels.clear(); // the step is taken: its form closes
      picked.delete(id);
      document.dispatchEvent(new CustomEvent("fieldops:changed"));
      await rerender();
    } catch (err) {
      message.textContent = err instanceof LocalRuleError ? tOr(`error.${err.code}`, err.message) : err.message;
    }
  }

  const sections = [];
  // a call for help or an emergency: nothing to pay, often nobody to sign; ask only what was done and who was there
  const unpriced = isUnpriced(o);
  if (mine && o.status === "dispatched") sections.push(h("button", { class: "primary big", testid: "accept", onclick: () => step("accept", {}) }, t("job.accept")));
  if (mine && o.status === "accepted") sections.push(h("button", { class: "primary big", testid: "arrive", onclick: () => step("arrive", {}) }, t("job.arrive")));
  if (mine && o.status === "on_site" && !unpriced) sections.push(scopeForm(id, step, message));
  if ((mine || user.role === "guard") && ["on_site", "in_progress", "completed"].includes(o.status)) sections.push(photoForm(id, step, message));
  if (mine && o.status === "in_progress" && !unpriced) sections.push(completeForm(o, step));
  if (mine && ["on_site", "in_progress"].includes(o.status) && unpriced) sections.push(unpricedCompleteForm(o, step));
  if (mine && o.status === "completed" && unpriced) sections.push(unpricedDone(o));
  else if (mine && ["completed", "disputed"].includes(o.status)) {
    // disputed: once things are put right the customer may sign again (a new sign-off)
    sections.push(h("a", { href: `#/sign/${encodeURIComponent(id)}${o.status === "disputed" ? "/again" : ""}`, class: "button primary big", testid: "hand-to-customer" },
      t(o.status === "disputed" ? "office.sign_again" : "job.hand_to_customer")));
  }
  if (["signed_off", "disputed", "closed"].includes(o.status)) {
    sections.push(receiptLink(id));
  }
  if (mine && ["dispatched", "accepted", "on_site", "in_progress"].includes(o.status)) sections.push(deferForm(step));
  if (office) sections.push(...await officeActions(o, step, names));

  const rejections = await rejectionsFor(id);
  if (!stillOn("job", id) || draw !== draws) return;
  mount(root, h("section", { class: "job-screen", testid: "job-screen", "data-status": o.status },
    h("h1", {}, orderTitle(o, names)),
    h("p", { class: "job-meta" }, statusChip(o.status), pendingBadge(counts.byOrder[id]),
      row.conflict ? h("span", { class: "badge conflict", testid: "local-conflict" }, t("job.local_conflict")) : null),
    refusalList(rejections), // first: what the server refused, and what to do now
    deferredNote(o), harmNote(o),
    orderFacts(o, names),
    office ? openConflicts(o, names) : null,
    message,
    sections,
    h("h2", {}, t("job.photos")),
    photoGallery(o.photos),
    consentAndSignature(o),
    (o.call_backs || []).length ? [h("h2", {}, t("office.callback_history")), callBackHistory(o, names)] : null,
    notesSection(o, step, names),
    navigator.onLine ? timelineSection(id, names) : h("p", { class: "empty", testid: "timeline-offline" }, t("office.timeline_offline"))));
  if (rejections.some((r) => !r.seen)) {
    // read here: the bar stops pointing at this order
    markRejectionsSeen(id).then(() => document.dispatchEvent(new CustomEvent("fieldops:changed")));
  }
}

/* Technicians of the order's site only, each with what they already hold, least loaded first. */
export async function siteTechnicians(siteId) {
  const orders = (await listObjects("work_order")).map((r) => r.value);
  const held = (uid) => orders.filter((w) => w.assignee_id === uid && HELD.includes(w.status)).length;
  return (await listObjects("user")).map((r) => r.value)
    // a replica pulled from an older server has no site_ids: then everyone is offered and the server judges
    .filter((u) => u.role === "technician" && (u.site_ids === undefined || u.site_ids.includes(siteId)))
    .map((u) => ({ ...u, held: held(u.id) }))
    .sort((a, b) => a.held - b.held || (a.name || "").localeCompare(b.name || ""));
}

export function technicianPicker(technicians, current) {
  return h("select", { name: "technician_id", testid: "dispatch-technician", "aria-label": t("dispatch.technician") },
    technicians.map((u) => h("option", { value: u.id, selected: u.id === current }, t("office.technician_holds", { name: u.name || u.id, n: u.held }))));
}

function openConflicts(o, names) {
  const open = (o.conflicts || []).filter((c) => !c.resolved_at);
  return open.length ? h("ul", { class: "rejections", testid: "order-conflicts" }, open.map((c) => h("li", {}, conflictLine(c, names)))) : null;
}

/* The service centre's actions on one order, each only where the procedure allows it. */
async function officeActions(o, step, names) {
  const out = [];
  const technicians = await siteTechnicians(o.site_id);
  if (o.status === "disputed") {
    out.push(h("div", { class: "card", testid: "disputed-next" }, h("h2", {}, t("office.disputed_title")),
      h("p", {}, t("office.disputed_hint")),
      h("p", { class: "row" },
        h("a", { class: "button", href: `#/report/rework/${encodeURIComponent(o.id)}`, testid: "disputed-rework" }, t("office.new_rework")),
        h("button", { type: "button", testid: "disputed-note", onclick: () => document.querySelector("[data-testid=note-text]")?.focus() },
          t("office.note_resolution")))));
  }
  if (DISPATCHABLE.includes(o.status)) {
    const pick = technicianPicker(technicians, picked.get(o.id) ?? o.assignee_id);
    pick.addEventListener("change", () => picked.set(o.id, pick.value));
    const again = o.assignee_id ? (o.status === "disputed" ? "office.redispatch" : "office.reassign") : "dispatch.submit";
    out.push(h("form", { class: "card inline", testid: "office-dispatch-form", onsubmit: (e) => { e.preventDefault(); step("dispatch", { technician_id: pick.value }); } },
      h("label", {}, t("dispatch.technician"), pick),
      technicians.length ? null : h("p", { class: "warn", testid: "no-technician" }, t("office.no_technician", { site: names.site(o.site_id) })),
      h("button", { type: "submit", class: "primary", testid: "office-dispatch", disabled: !technicians.length }, t(again))));
  }
  if (DEFERRABLE.includes(o.status)) out.push(deferForm(step));
  if (!["closed", "cancelled"].includes(o.status)) {
    const ongoing = Boolean(o.harm_ongoing_since);
    out.push(h("button", { type: "button", class: ongoing ? "" : "danger", testid: "harm-toggle", "aria-pressed": String(ongoing),
      onclick: () => step("set_harm_ongoing", { ongoing: !ongoing }) }, t(ongoing ? "office.harm_stopped" : "office.harm_mark")));
  }
  if (CANCELLABLE.includes(o.status)) {
    const reason = h("input", { name: "reason", required: true, testid: "cancel-reason" });
    out.push(panel("cancel", h("summary", {}, t("office.cancel_title")),
      h("form", { testid: "cancel-form", onsubmit: (e) => { e.preventDefault(); step("cancel", { reason: reason.value.trim() }); } },
        h("label", {}, t("office.cancel_reason"), reason),
        h("button", { type: "submit", class: "danger", testid: "cancel-submit" }, t("office.cancel_submit")))));
  }
  if (["completed", "signed_off", "closed"].includes(o.status)) {  // disputed: offered above with the other next steps
    out.push(h("a", { class: "button", href: `#/report/rework/${encodeURIComponent(o.id)}`, testid: "new-rework" }, t("office.new_rework")));
  }
  return out;
}

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

/* Help and emergencies: what was done and who was there; photos come from the photo form above, none required. */
function unpricedCompleteForm(o, step) {
  const summary = h("textarea", { name: "summary", required: true, rows: 3, testid: "summary" });
  const present = h("input", { name: "people_present", testid: "people-present", autocomplete: "off" });
  return h("form", { class: "card", testid: "unpriced-complete-form", onsubmit: (e) => { e.preventDefault();
    step("complete", { summary: summary.value.trim(), people_present: present.value.trim() || null }); } },
  h("h2", {}, t(`tech.unpriced.title.${o.category}`)),
  h("p", { class: "hint", testid: "unpriced-hint" }, t("tech.unpriced.hint")),
  h("label", {}, t("tech.unpriced.summary"), summary),
  h("label", {}, t("tech.unpriced.present"), h("span", { class: "hint block" }, t("tech.unpriced.present_hint")), present),
  h("button", { type: "submit", class: "primary big", testid: "complete" }, t("tech.unpriced.submit")));
}

/* Done: nothing for anyone to sign; a person who was there may still sign the record if they wish. */
function unpricedDone(o) {
  return h("div", { class: "card", testid: "unpriced-done" },
    h("p", {}, t("tech.unpriced.done")),
    o.people_present ? h("a", { href: `#/sign/${encodeURIComponent(o.id)}`, class: "button", testid: "hand-to-customer" }, t("tech.unpriced.may_sign")) : null);
}

function deferForm(step) {
  const reason = h("input", { name: "reason", required: true, testid: "defer-reason" });
  const promised = h("input", { name: "promised_at", type: "datetime-local", required: true, testid: "defer-promised" });
  return panel("defer", h("summary", {}, t("defer.title")),
    h("form", { testid: "defer-form", onsubmit: (e) => { e.preventDefault();
      step("defer", { reason: reason.value.trim(), promised_at: new Date(promised.value).toISOString() }); } },
    h("label", {}, t("defer.reason"), reason), h("label", {}, t("defer.promised_at"), promised),
    h("button", { type: "submit", testid: "defer-submit" }, t("defer.submit"))));
}

function notesSection(o, step, names) {
  const text = h("textarea", { name: "note", rows: 2, required: true, testid: "note-text", id: "note-text" });
  return h("section", { class: "notes" }, h("h2", {}, t("job.notes")),
    h("ul", { testid: "note-list" }, (o.notes || []).map((n) => h("li", { testid: "note" }, h("time", { datetime: n.occurred_at }, localTime(n.occurred_at)), " ",
      n.author_id ? h("span", { class: "hint" }, names.person(n.author_id), ": ") : null, noteText(n, names)))),
    h("form", { onsubmit: (e) => { e.preventDefault(); step("add_note", { id: uuid7(), text: text.value.trim() }); } },
      h("label", {}, t("job.add_note"), text), h("button", { type: "submit", testid: "note-submit" }, t("job.save_note"))));
}
