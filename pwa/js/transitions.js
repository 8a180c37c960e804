/* A small mirror of the server's mutators, so a step shows at once on the replica while the
   outbox waits; the server stays the judge and its verdict comes back through pull. */

export class LocalRuleError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}

// generated:status-rules (python ops/transitions.py, from server/domain/status_rules.py: do not edit by hand)
const FROM = {
  dispatch: ["new", "deferred", "dispatched", "accepted", "disputed"],
  accept: ["dispatched"],
  arrive: ["accepted"],
  confirm_scope: ["on_site", "in_progress"],
  complete: ["in_progress"],
  sign_off: ["completed", "disputed"],
  defer: ["new", "dispatched", "accepted", "on_site", "in_progress", "deferred"],
  call_back: ["completed", "signed_off", "disputed", "closed"],
  cancel: ["new", "dispatched", "accepted", "on_site", "in_progress", "completed", "deferred", "disputed"],
};
export const UNPRICED_CATEGORIES = ["help", "emergency"];
const UNPRICED_FROM = {
  complete: ["on_site", "in_progress"],
};
// /generated:status-rules

/* Calls for help and emergencies: no price to agree, no cleanup photo, nothing the customer must sign. */
export const isUnpriced = (order) => UNPRICED_CATEGORIES.includes(order?.category);

function requireStatus(order, name) {
  if (!order) throw new LocalRuleError("not_found", "order not in replica");
  const from = isUnpriced(order) && UNPRICED_FROM[name] ? UNPRICED_FROM[name] : FROM[name];
  if (from && !from.includes(order.status)) {
    throw new LocalRuleError("invalid_transition", `${name} from ${order.status}`);
  }
}

/* Which object a mutation changes: [type, id]. */
export function targetOf(mutation) {
  const a = mutation.args;
  if (mutation.name === "create_work_order") return ["work_order", a.id];
  if (a.work_order_id) return ["work_order", a.work_order_id];
  if (a.alarm_id) return ["alarm", a.alarm_id];
  return null;
}

/* Returns the object after the mutation, or throws LocalRuleError; never mutates its input. */
export function applyMutation(current, mutation, actor) {
  const { name, args } = mutation;
  const at = mutation.client_ts;
  if (name === "create_work_order") {
    return {
      id: args.id, site_id: args.site_id, unit: args.unit, category: args.category,
      priority: args.priority, status: "new", title: args.title, description: args.description,
      reporter: args.reporter, assignee_id: null, scope: null, labor_fee: null, material_fee: null,
      summary: null, photos: [], notes: [], signature: null, created_at: at, completed_at: null,
      sla: [], events: [], complaint_level: args.complaint_level ?? null, rework_of: args.rework_of ?? null,
      requested_at: args.requested_at ?? null, channel: args.channel ?? null, contacted_at: args.contacted_at ?? null,
      help_kind: args.help_kind ?? null, complaint: args.complaint ?? null, call_backs: [], conflicts: [],
    };
  }
  if (name === "ack_alarm" || name === "resolve_alarm") {
    if (!current) throw new LocalRuleError("not_found", "alarm not in replica");
    const alarm = { ...current, acked_by: current.acked_by || actor?.id || "me", acked_at: current.acked_at || at };
    if (name === "resolve_alarm") alarm.resolved_note = args.note;
    return alarm;
  }
  if (name === "start_shift" || name === "end_shift") return null;
  const o = structuredClone(current);
  requireStatus(o, name);
  switch (name) {
    case "dispatch":
      // as the server: the SLA counts the first notification; a new technician has not accepted yet
      if (o.status === "accepted" && o.assignee_id !== args.technician_id) o.accepted_at = null;
      o.status = "dispatched"; o.assignee_id = args.technician_id; o.dispatched_at = o.dispatched_at || at;
      o.replied_at = o.replied_at || at; break; // a dispatch or a note is the first response (the reply step)
    case "accept": o.status = "accepted"; o.accepted_at = at; break;
    case "arrive": o.status = "on_site"; o.arrived_at = at; break;
    case "confirm_scope":
      Object.assign(o, { status: "in_progress", scope: args.scope, labor_fee: args.labor_fee,
        material_fee: args.material_fee, customer_name: args.customer_name });
      break;
    case "add_note":
      o.notes = [...(o.notes || []), { id: args.id, author_id: actor?.id ?? null, text: args.text, occurred_at: at }];
      o.replied_at = o.replied_at || at;
      break;
    case "attach_photo":
      o.photos = [...(o.photos || []), { sha256: args.sha256, kind: args.kind, taken_at: args.taken_at }];
      break;
    case "complete":
      if (!isUnpriced(o) && !(o.photos || []).some((p) => p.kind === "cleanup")) {
        throw new LocalRuleError("cleanup_photo_required", "a cleanup photo is needed first");
      }
      Object.assign(o, { status: "completed", summary: args.summary, completed_at: at, people_present: (args.people_present || "").trim() || null });
      break;
    case "sign_off":
      o.status = args.accepted ? "signed_off" : "disputed";
      o.signed_off_at = at;
      o.signature = { signer_name: args.signer_name, signature_sha256: args.signature_sha256,
        accepted: args.accepted, comment: args.comment ?? null, document_sha256: args.document_sha256,
        signed_at: args.signed_at, on_behalf: args.on_behalf ?? false };
      break;
    case "defer": o.status = "deferred"; o.defer_reason = args.reason; o.promised_at = args.promised_at; break;
    case "call_back":
      o.call_backs = [...(o.call_backs || []), { actor_id: actor?.id ?? null, reached: args.reached, satisfied: args.satisfied ?? null,
        comment: args.comment ?? "", occurred_at: at }];
      if (args.reached) { o.called_back_at = o.called_back_at || at; if (o.status === "signed_off" || (o.status === "completed" && isUnpriced(o))) { o.status = "closed"; o.closed_at = at; } }
      break;
    case "cancel": o.status = "cancelled"; o.cancel_reason = args.reason; break;
    case "set_harm_ongoing": o.harm_ongoing_since = args.ongoing ? (o.harm_ongoing_since || at) : null; break;
    default: throw new LocalRuleError("unknown_mutation", name);
  }
  return o;
}

/* Rebase: server rows with every pending mutation re-applied in order. A pending mutation that
   no longer applies (the office changed the order) stays queued and marks the row: the server
   decides, and its rejection comes back through pull. Pure, so it is tested on its own. */
export function replayOutbox(baseRows, pending, actor) {
  const key = (type, id) => `${type}\u0000${id}`;
  const view = new Map(baseRows.map((r) => [key(r.type, r.id), { type: r.type, id: r.id, value: r.value, pending: false }]));
  for (const m of pending) {
    const t = targetOf(m);
    if (!t) continue;
    const k = key(t[0], t[1]);
    try {
      const value = applyMutation(view.get(k)?.value, m, actor);
      if (value) view.set(k, { type: t[0], id: t[1], value, pending: true });
    } catch (err) {
      if (!(err instanceof LocalRuleError)) throw err;
      const row = view.get(k);
      if (row) view.set(k, { ...row, pending: true, conflict: err.code });
    }
  }
  return [...view.values()];
}
