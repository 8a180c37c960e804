"""The repair procedure (DOMAIN.md) as mutators: record, dispatch, accept, arrive, confirm scope,
repair, complete, defer, call back, cancel. Sign-off lives in signoff.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import msgspec

from server.clock import now_text, parse_rfc3339, to_rfc3339
from server.domain import workorder_args as a
from server.domain.access import load_order, require_assignee, require_site, salvage_target
from server.domain.actor import SYSTEM, Actor
from server.domain.audit import append_event
from server.domain.changes import touch
from server.domain.policy import policy
from server.domain.mutation import Ref, mutator
from server.domain.schedule import require_guard_may_dispatch
from server.domain.targets import snapshot_for
from server.domain.status_rules import ALLOWED_FROM, UNPRICED_CATEGORIES, allowed_from
from server.domain.system_texts import SystemText
from server.errors import Conflict, Invalid, NotFound
from server.ids import check_object_id
from server.store import Tx

OFFICE = {"dispatcher", "supervisor"}


def refuse_status(wo: dict[str, Any], doing: str) -> Conflict:
    return Conflict(f"cannot {doing}: the order is {wo['status']}", code="invalid_status", status=wo["status"])


def step_time(wo: dict[str, Any] | None, occurred_at: datetime) -> str:
    """When a step happened: never before the order's previous step (device clocks drift)."""
    text = to_rfc3339(occurred_at)
    if wo is not None and text < wo["last_occurred_at"]:
        return wo["last_occurred_at"]
    return text


def record(tx: Tx, actor: Actor, wo: dict[str, Any], name: str, occurred: str, changes: dict[str, Any], data: dict[str, Any]) -> Ref:
    """Apply column changes to an order, append its audit event and log the change for sync."""
    recorded = now_text()
    changes = {**changes, "last_occurred_at": max(occurred, wo["last_occurred_at"]), "updated_at": recorded}
    sets = ", ".join(f'"{col}" = ?' for col in changes)
    tx.execute(f"UPDATE work_orders SET {sets} WHERE id = ?", (*changes.values(), wo["id"]))
    append_event(tx, wo["id"], name, actor.id, occurred, recorded, data)
    touch(tx, "work_order", wo["id"])
    return Ref("work_order", wo["id"])


def transition(tx: Tx, actor: Actor, wo: dict[str, Any], name: str, to: str, occurred_at: datetime, changes: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> Ref:
    occurred = step_time(wo, occurred_at)
    return record(tx, actor, wo, name, occurred, {"status": to, **(changes or {})}, {"from": wo["status"], "to": to, **(data or {})})


def has_cleanup_photo(tx: Tx, work_order_id: str) -> bool:
    return tx.one("SELECT 1 AS x FROM photos WHERE work_order_id = ? AND kind = 'cleanup'", (work_order_id,)) is not None


def holds_job(actor: Actor, wo: dict[str, Any]) -> bool:
    """Whether the actor may write the fields only the assignee writes (summary, price, signature): require_assignee's rule."""
    return actor.role != "technician" or wo.get("assignee_id") == actor.id


def keep_refused_step(name: str) -> Any:
    """A salvage that keeps a refused step's time and arguments as an audit event (`{name}_refused`)."""

    def salvage(tx: Tx, actor: Actor, args: Any, occurred_at: datetime) -> None:
        wo = salvage_target(tx, actor, args.work_order_id)
        if wo is not None:
            record(tx, actor, wo, f"{name}_refused", step_time(wo, occurred_at), {}, {"args": msgspec.to_builtins(args)})

    return salvage


def wo_alias(raw: dict[str, Any]) -> dict[str, Any]:
    """Early app builds sent the order as `wo` (CONTRACT.md's shorthand); it is `work_order_id`."""
    if "wo" in raw and "work_order_id" not in raw:
        raw["work_order_id"] = raw.pop("wo")
    return raw


@mutator("create_work_order", a.CreateWorkOrder, {"dispatcher", "supervisor", "technician", "guard"})
def create_work_order(tx: Tx, actor: Actor, args: a.CreateWorkOrder, occurred_at: datetime) -> Ref:
    """Record a report (any channel) as a new order; the service centre owns it from here."""
    order_id = check_object_id(args.id)
    require_site(actor, args.site_id)
    if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (args.site_id,)) is None:
        raise NotFound(f"no site {args.site_id}", code="site_not_found")
    existing = tx.one("SELECT created_by FROM work_orders WHERE id = ?", (order_id,))
    if existing is not None:
        if existing["created_by"] == actor.id:
            return Ref("work_order", order_id)  # a retried create: already recorded
        raise Conflict(f"work order id {order_id} is taken", code="duplicate_id")
    if args.category == "complaint" and args.complaint_level is None:
        raise Invalid("a complaint needs a complaint_level (minor, important, major)", code="complaint_level_required")
    if args.category != "complaint" and args.complaint_level is not None:
        raise Invalid("complaint_level is only for complaints", code="invalid_arguments")
    if args.rework_of is not None:
        first = tx.one("SELECT site_id FROM work_orders WHERE id = ?", (args.rework_of,))
        if first is None or first["site_id"] != args.site_id:
            raise NotFound(f"no work order {args.rework_of} on this site to redo", code="rework_target_not_found")
    if args.category != "help" and args.help_kind is not None:
        raise Invalid("help_kind is only for calls for help", code="invalid_arguments")
    if args.category != "complaint" and args.complaint is not None:
        raise Invalid("complaint details are only for complaints", code="invalid_arguments")
    requested = to_rfc3339(parse_rfc3339(args.requested_at, "requested_at")) if args.requested_at else None
    details = json.dumps(msgspec.to_builtins(args.complaint), ensure_ascii=False) if args.complaint else None
    priority = "emergency" if args.category == "emergency" else args.priority
    occurred = step_time(None, occurred_at)
    recorded = now_text()
    # The contact (call, visit, sensor message) cannot follow its own record: a late clock is held to the record.
    contacted = min(to_rfc3339(parse_rfc3339(args.contacted_at, "contacted_at")), occurred) if args.contacted_at else None
    tx.insert("work_orders", {
        "id": order_id, "site_id": args.site_id, "unit": args.unit, "category": args.category,
        "priority": priority, "status": "new", "title": args.title, "description": args.description,
        "reporter_name": args.reporter.name, "reporter_phone": args.reporter.phone,
        "complaint_level": args.complaint_level, "rework_of": args.rework_of, "requested_at": requested,
        "channel": args.channel, "help_kind": args.help_kind, "complaint_details": details,
        "created_by": actor.id, "created_at": occurred, "last_occurred_at": occurred, "updated_at": recorded,
        "contacted_at": contacted, "work_type": args.work_type, "sla_targets": snapshot_for(tx, args.site_id),
    })
    append_event(tx, order_id, "create_work_order", actor.id, occurred, recorded, {
        "to": "new", "category": args.category, "priority": priority, "complaint_level": args.complaint_level,
        "rework_of": args.rework_of, "title": args.title, "unit": args.unit, "contacted_at": contacted, "work_type": args.work_type,
        "channel": args.channel, "help_kind": args.help_kind,
    })
    touch(tx, "work_order", order_id)
    return Ref("work_order", order_id)


@mutator("dispatch", a.Dispatch, OFFICE | {"guard"}, upgrade=wo_alias)
def dispatch(tx: Tx, actor: Actor, args: a.Dispatch, occurred_at: datetime) -> Ref:
    """Notify a technician of the order (or hand it to another before arrival, or send one back to a disputed job). Guards: on duty at the site, after office hours."""
    wo = load_order(tx, actor, args.work_order_id)
    if actor.role == "guard":
        require_guard_may_dispatch(tx, actor, wo["site_id"], occurred_at)
    if wo["status"] not in ALLOWED_FROM["dispatch"]:
        raise refuse_status(wo, "dispatch")
    tech = tx.one("SELECT id, role, active FROM users WHERE id = ?", (args.technician_id,))
    on_site = tx.one("SELECT 1 AS x FROM user_sites WHERE user_id = ? AND site_id = ?", (args.technician_id, wo["site_id"]))
    if tech is None or tech["role"] != "technician" or not tech["active"] or on_site is None:
        raise Invalid("technician_id is not an active technician of this site", code="invalid_technician")
    occurred = step_time(wo, occurred_at)
    changes: dict[str, Any] = {"assignee_id": tech["id"]}
    if wo["dispatched_at"] is None:
        changes["dispatched_at"] = occurred  # the SLA counts the first notification
    changes.update(first_response(actor, wo, occurred))
    if wo["status"] == "accepted" and wo["assignee_id"] != tech["id"]:
        changes["accepted_at"] = None
    return transition(tx, actor, wo, "dispatch", "dispatched", occurred_at, changes, {"technician_id": tech["id"], "previous_assignee": wo["assignee_id"]})


@mutator("accept", a.OrderStep, {"technician"}, salvage=keep_refused_step("accept"), upgrade=wo_alias)
def accept(tx: Tx, actor: Actor, args: a.OrderStep, occurred_at: datetime) -> Ref:
    """The assigned technician takes the order (接单时间)."""
    wo = load_order(tx, actor, args.work_order_id)
    require_assignee(actor, wo, "accept this order")
    if wo["status"] not in ALLOWED_FROM["accept"]:
        raise refuse_status(wo, "accept")
    return transition(tx, actor, wo, "accept", "accepted", occurred_at, {"accepted_at": step_time(wo, occurred_at)})


@mutator("arrive", a.OrderStep, {"technician"}, salvage=keep_refused_step("arrive"), upgrade=wo_alias)
def arrive(tx: Tx, actor: Actor, args: a.OrderStep, occurred_at: datetime) -> Ref:
    """The technician is at the unit."""
    wo = load_order(tx, actor, args.work_order_id)
    require_assignee(actor, wo, "arrive")
    if wo["status"] not in ALLOWED_FROM["arrive"]:
        raise refuse_status(wo, "arrive")
    return transition(tx, actor, wo, "arrive", "on_site", occurred_at, {"arrived_at": step_time(wo, occurred_at)})


@mutator("confirm_scope", a.ConfirmScope, {"technician"}, salvage=keep_refused_step("confirm_scope"), upgrade=wo_alias)
def confirm_scope(tx: Tx, actor: Actor, args: a.ConfirmScope, occurred_at: datetime) -> Ref:
    """The customer agreed to what will be done and what it costs; a new agreement replaces the old."""
    wo = load_order(tx, actor, args.work_order_id)
    require_assignee(actor, wo, "confirm the scope")
    if wo["status"] not in ALLOWED_FROM["confirm_scope"]:
        raise refuse_status(wo, "confirm the scope")
    paid = (args.labor_fee or 0) + (args.material_fee or 0) > 0
    if paid and not args.consent_signature_sha256 and policy(tx, "consent_signature") == "required_when_paid":
        raise Invalid("paid work needs the customer's consent signature on the scope and price before it starts",
                      code="consent_signature_required")
    occurred = step_time(wo, occurred_at)
    consent = {
        "customer_name": args.customer_name, "scope": args.scope, "labor_fee": args.labor_fee,
        "material_fee": args.material_fee, "signature_sha256": args.consent_signature_sha256, "occurred_at": occurred,
    }
    changes = {"scope": args.scope, "labor_fee": args.labor_fee, "material_fee": args.material_fee,
               "consent": json.dumps(consent, ensure_ascii=False), "scope_confirmed_at": occurred}
    return transition(tx, actor, wo, "confirm_scope", "in_progress", occurred_at, changes, {"consent": consent})


def salvage_note(tx: Tx, actor: Actor, args: a.AddNote, occurred_at: datetime) -> None:
    """A refused note (order reassigned away meanwhile) is still kept on the order."""
    wo = salvage_target(tx, actor, args.work_order_id)
    if wo is not None:
        keep_note(tx, actor, wo, args, occurred_at)


def salvage_photo(tx: Tx, actor: Actor, args: a.AttachPhoto, occurred_at: datetime) -> None:
    """A refused photo (no longer the assignee) is still kept on the order as evidence."""
    wo = salvage_target(tx, actor, args.work_order_id)
    if wo is not None:
        keep_photo(tx, actor, wo, args, occurred_at)


@mutator("add_note", a.AddNote, {"dispatcher", "supervisor", "technician", "guard"}, salvage=salvage_note, upgrade=wo_alias)
def add_note(tx: Tx, actor: Actor, args: a.AddNote, occurred_at: datetime) -> Ref:
    """Append a note; notes are never edited or removed."""
    wo = load_order(tx, actor, args.work_order_id)
    keep_note(tx, actor, wo, args, occurred_at)
    return Ref("work_order", wo["id"])


def keep_note(tx: Tx, actor: Actor, wo: dict[str, Any], args: a.AddNote, occurred_at: datetime, said: SystemText | None = None) -> None:
    """Append a note; a system note also keeps what it says as data (`said`), which readers see in their language."""
    note_id = check_object_id(args.id, "note id")
    existing = tx.one("SELECT work_order_id FROM notes WHERE id = ?", (note_id,))
    if existing is not None:
        if existing["work_order_id"] != wo["id"]:
            raise Conflict(f"note id {note_id} is taken", code="duplicate_id")
        return
    occurred = step_time(wo, occurred_at)
    recorded = now_text()
    tx.insert("notes", {"id": note_id, "work_order_id": wo["id"], "author_id": actor.id, "text": args.text, "occurred_at": occurred, "recorded_at": recorded,
                        "note_code": said.code if said else None, "note_args": said.args_json() if said else None})
    data = {"note_id": note_id, "text": args.text, **({"note_code": said.code, "note_args": said.args} if said else {})}
    record(tx, actor, wo, "add_note", occurred, first_response(actor, wo, occurred), data)


def first_response(actor: Actor, wo: dict[str, Any], occurred: str) -> dict[str, Any]:
    """The `reply` step ends at the first note or dispatch by a person (system notes are no reply to a caller)."""
    return {"replied_at": occurred} if wo.get("replied_at") is None and actor.id != SYSTEM.id else {}


@mutator("attach_photo", a.AttachPhoto, {"technician", "guard", "supervisor", "dispatcher"}, salvage=salvage_photo, upgrade=wo_alias)
def attach_photo(tx: Tx, actor: Actor, args: a.AttachPhoto, occurred_at: datetime) -> Ref:
    """Attach a photo by hash; the bytes may arrive later (the order shows it pending)."""
    wo = load_order(tx, actor, args.work_order_id)
    if actor.role == "technician":
        require_assignee(actor, wo, "attach photos")
    keep_photo(tx, actor, wo, args, occurred_at)
    return Ref("work_order", wo["id"])


def keep_photo(tx: Tx, actor: Actor, wo: dict[str, Any], args: a.AttachPhoto, occurred_at: datetime) -> None:
    if tx.one("SELECT 1 AS x FROM photos WHERE work_order_id = ? AND sha256 = ?", (wo["id"], args.sha256)) is not None:
        return
    taken = to_rfc3339(parse_rfc3339(args.taken_at, "taken_at"))
    recorded = now_text()
    tx.insert("photos", {"work_order_id": wo["id"], "sha256": args.sha256, "kind": args.kind, "taken_at": taken, "added_by": actor.id, "recorded_at": recorded})
    record(tx, actor, wo, "attach_photo", step_time(wo, occurred_at), {}, {"sha256": args.sha256, "kind": args.kind, "taken_at": taken})


def salvage_complete(tx: Tx, actor: Actor, args: a.Complete, occurred_at: datetime) -> None:
    """A refused completion keeps the technician's summary in its `complete_refused` event; only the assignee's
    also fills the order's empty summary (a column the customer signs, which nobody else may write)."""
    wo = salvage_target(tx, actor, args.work_order_id)
    if wo is None:
        return
    changes = {"summary": args.summary} if holds_job(actor, wo) and not wo["summary"] else {}
    record(tx, actor, wo, "complete_refused", step_time(wo, occurred_at), changes, {"summary": args.summary})


@mutator("complete", a.Complete, {"technician"}, salvage=salvage_complete, upgrade=wo_alias)
def complete(tx: Tx, actor: Actor, args: a.Complete, occurred_at: datetime) -> Ref:
    """Work done and the site cleaned: needs at least one `cleanup` photo."""
    wo = load_order(tx, actor, args.work_order_id)
    require_assignee(actor, wo, "complete this order")
    if wo["status"] not in allowed_from("complete", wo["category"]):
        raise refuse_status(wo, "complete")
    unpriced = wo["category"] in UNPRICED_CATEGORIES
    # The cleanup photo proves a customer's unit was left clean after repair work; a call for help or an
    # emergency (a fall, a fire alarm, a flooded plant room) has no such step, so its photos are optional.
    if not unpriced and not has_cleanup_photo(tx, wo["id"]):
        raise Conflict("attach a photo of the cleaned-up site (kind cleanup) before completing", code="cleanup_photo_required")
    occurred = step_time(wo, occurred_at)
    present = (args.people_present or "").strip() or None
    data: dict[str, Any] = {"summary": args.summary}
    if present is not None:
        data["people_present"] = present
    return transition(tx, actor, wo, "complete", "completed", occurred_at,
                      {"summary": args.summary, "completed_at": occurred, "completion_recorded_at": now_text(),
                       "people_present": present}, data)


@mutator("defer", a.Defer, {"dispatcher", "supervisor", "technician"}, salvage=keep_refused_step("defer"), upgrade=wo_alias)
def defer(tx: Tx, actor: Actor, args: a.Defer, occurred_at: datetime) -> Ref:
    """Cannot fix now: record why and the time promised to the customer."""
    wo = load_order(tx, actor, args.work_order_id)
    require_assignee(actor, wo, "defer this order")
    if wo["status"] not in ALLOWED_FROM["defer"]:
        raise refuse_status(wo, "defer")
    promised = to_rfc3339(parse_rfc3339(args.promised_at, "promised_at"))
    return transition(tx, actor, wo, "defer", "deferred", occurred_at, {"defer_reason": args.reason, "promised_at": promised}, {"reason": args.reason, "promised_at": promised})


@mutator("call_back", a.CallBack, {"dispatcher", "supervisor"}, upgrade=wo_alias)
def call_back(tx: Tx, actor: Actor, args: a.CallBack, occurred_at: datetime) -> Ref:
    """Record a call-back (回访) attempt; a reached customer closes a signed-off order."""
    wo = load_order(tx, actor, args.work_order_id)
    if wo["status"] not in ALLOWED_FROM["call_back"]:
        raise refuse_status(wo, "call back")
    occurred = step_time(wo, occurred_at)
    tx.insert("call_backs", {"work_order_id": wo["id"], "actor_id": actor.id, "reached": int(args.reached),
                             "satisfied": None if args.satisfied is None else int(args.satisfied),
                             "comment": args.comment, "occurred_at": occurred, "recorded_at": now_text()})
    changes: dict[str, Any] = {}
    to = wo["status"]
    if args.reached:
        if wo["called_back_at"] is None:
            changes["called_back_at"] = occurred
        # a call for help or an emergency has nothing the customer must sign: reaching them closes it once done
        closable = wo["status"] == "signed_off" or (wo["status"] == "completed" and wo["category"] in UNPRICED_CATEGORIES)
        if closable:
            to, changes["closed_at"] = "closed", occurred
    data = {"reached": args.reached, "satisfied": args.satisfied, "comment": args.comment}
    return record(tx, actor, wo, "call_back", occurred, {"status": to, **changes}, {"from": wo["status"], "to": to, **data})


@mutator("cancel", a.Cancel, OFFICE, upgrade=wo_alias)
def cancel(tx: Tx, actor: Actor, args: a.Cancel, occurred_at: datetime) -> Ref:
    """Withdraw the order (duplicate report, customer no longer needs it)."""
    wo = load_order(tx, actor, args.work_order_id)
    if wo["status"] not in ALLOWED_FROM["cancel"]:
        raise refuse_status(wo, "cancel")
    occurred = step_time(wo, occurred_at)
    return transition(tx, actor, wo, "cancel", "cancelled", occurred_at, {"cancel_reason": args.reason, "cancelled_at": occurred}, {"reason": args.reason})
