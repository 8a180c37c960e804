"""Shifts of the monitoring room (DOMAIN.md: on duty 24 hours, a handover record at every change).

Ending a shift writes the handover: the note, what is still open, who is on duty to take over; the next
guard confirms it (`receive_handover`). Leaving unacknowledged alarms with nobody on duty pushes the
site's supervisors through the push outbox, in the same transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import msgspec

from server.clock import to_rfc3339
from server.domain.access import OFFICE_ROLES, require_site, site_scope
from server.domain.actor import Actor
from server.domain.changes import touch
from server.domain.mutation import Ref, mutator
from server.domain.status_rules import JOB_OVER, sql_list
from server.errors import Conflict, Forbidden, NotFound
from server.push.outbox import owe_push
from server.push.payload import AlarmPush
from server.store import Tx

SHIFT_VIEWERS = OFFICE_ROLES | {"guard"}
# An emergency order is open until it is signed off, closed or cancelled (the incident rule of server/domain/alarms/rules.py).
OPEN_ORDER_SQL = f"category = 'emergency' AND status NOT IN {sql_list(JOB_OVER)}"


class StartShift(msgspec.Struct, forbid_unknown_fields=True):
    site_id: str


class EndShift(msgspec.Struct, forbid_unknown_fields=True):
    site_id: str
    handover_note: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


class ReceiveHandover(msgspec.Struct, forbid_unknown_fields=True):
    shift_id: str | int


@mutator("start_shift", StartShift, {"guard"}, answers="shift")
def start_shift(tx: Tx, actor: Actor, args: StartShift, occurred_at: datetime) -> Ref:
    """Go on duty at a site: its alarms are pushed to this guard until end_shift."""
    require_site(actor, args.site_id)
    if _open_shift(tx, actor.id, args.site_id) is None:
        tx.insert("shifts", {"user_id": actor.id, "site_id": args.site_id, "started_at": to_rfc3339(occurred_at), "ended_at": None})
        touch(tx, "site", args.site_id)
        touch(tx, "shift", str(_open_shift(tx, actor.id, args.site_id)["id"]))
    return Ref("shift", str(_open_shift(tx, actor.id, args.site_id)["id"]))


@mutator("end_shift", EndShift, {"guard"}, answers="shift")
def end_shift(tx: Tx, actor: Actor, args: EndShift, occurred_at: datetime) -> Ref:
    """Hand over and go off duty: records the note, the open alarms and emergency orders, and who takes over;
    unacknowledged alarms left with no other guard on duty are pushed to the site's supervisors."""
    require_site(actor, args.site_id)
    shift = _open_shift(tx, actor.id, args.site_id)
    if shift is None:
        last = tx.one("SELECT id FROM shifts WHERE user_id = ? AND site_id = ? ORDER BY id DESC LIMIT 1", (actor.id, args.site_id))
        if last is None:
            raise Conflict(f"not on duty at {args.site_id}", code="not_on_duty")
        return Ref("shift", str(last["id"]))  # already ended (a retried end_shift)
    ended = max(to_rfc3339(occurred_at), shift["started_at"])
    others = [r["user_id"] for r in tx.query(
        "SELECT DISTINCT user_id FROM shifts WHERE site_id = ? AND ended_at IS NULL AND user_id != ? ORDER BY user_id", (args.site_id, actor.id))]
    alarms = tx.query("SELECT * FROM alarms WHERE site_id = ? AND resolved_at IS NULL AND (state = 'active' OR acked_at IS NULL) ORDER BY first_seen",
                      (args.site_id,))
    orders = [r["id"] for r in tx.query(f"SELECT id FROM work_orders WHERE site_id = ? AND {OPEN_ORDER_SQL} ORDER BY created_at", (args.site_id,))]
    # Only emergency alarms escalate (they carry a deadline); nobody left to acknowledge them: supervisors now.
    unattended = [] if others else [a for a in alarms if a["acked_at"] is None and a["escalate_at"] is not None]
    for a in unattended:
        push = AlarmPush(alarm_id=a["id"], work_order_id=a["work_order_id"], site_id=args.site_id, kind=a["kind"], zone=a["zone"], ts=a["first_seen"])
        owe_push(tx, a["id"], "supervisors", args.site_id, push, a["work_order_id"] or a["id"], occurred_at)
        # escalated now: the escalation timer must not push the same supervisors again for it
        tx.execute("UPDATE alarms SET escalated_at = coalesce(escalated_at, ?) WHERE id = ?", (to_rfc3339(occurred_at), a["id"]))
        touch(tx, "alarm", a["id"])
    tx.execute("UPDATE shifts SET ended_at = ?, handover_note = ?, open_alarm_ids = ?, open_work_order_ids = ?, taken_over_by = ?,"
               " unattended_alarm_ids = ? WHERE id = ?",
               (ended, (args.handover_note or "").strip() or None, json.dumps([a["id"] for a in alarms]), json.dumps(orders),
                json.dumps(others), json.dumps([a["id"] for a in unattended]), shift["id"]))
    touch(tx, "site", args.site_id)
    touch(tx, "shift", str(shift["id"]))
    return Ref("shift", str(shift["id"]))


@mutator("receive_handover", ReceiveHandover, {"guard"}, answers="shift")
def receive_handover(tx: Tx, actor: Actor, args: ReceiveHandover, occurred_at: datetime) -> Ref:
    """The next guard confirms the handover of an ended shift of their site (once, and not their own)."""
    if actor.role != "guard":  # the registry lets admins do everything; taking over a post is a guard's
        raise Forbidden("only a guard takes over a shift", code="role_not_allowed")
    shift = load_shift(tx, actor, args.shift_id)
    if shift["ended_at"] is None:
        raise Conflict("this shift has not ended yet", code="shift_not_ended")
    if shift["user_id"] == actor.id:
        raise Conflict("a guard cannot take over their own shift", code="own_handover")
    if shift["received_by"] is not None:
        raise Conflict("this handover was already received", code="handover_received")
    tx.execute("UPDATE shifts SET received_by = ?, received_at = ? WHERE id = ?", (actor.id, max(to_rfc3339(occurred_at), shift["ended_at"]), shift["id"]))
    touch(tx, "site", shift["site_id"])
    touch(tx, "shift", str(shift["id"]))
    return Ref("shift", str(shift["id"]))


def _open_shift(tx: Tx, user_id: str, site_id: str) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM shifts WHERE user_id = ? AND site_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1", (user_id, site_id))


# A shift row with the names of its guard and of who received its handover (what `shift_view` renders).
SHIFT_SELECT = ("SELECT s.*, u.name AS guard_name, r.name AS received_by_name FROM shifts s JOIN users u ON u.id = s.user_id"
                " LEFT JOIN users r ON r.id = s.received_by")


def can_see_shift(actor: Actor, shift: dict[str, Any]) -> bool:
    """By the shift's site alone (a live event carries just that): its site's guards and office roles."""
    return shift["site_id"] is not None and actor.has_site(shift["site_id"]) and actor.role in SHIFT_VIEWERS


def load_shift(tx: Tx, actor: Actor, shift_id: str | int) -> dict[str, Any]:
    row = tx.one(f"{SHIFT_SELECT} WHERE s.id = ?", (str(shift_id),)) if str(shift_id).isdigit() else None
    if row is None or not can_see_shift(actor, row):
        raise NotFound(f"no shift {shift_id}", code="shift_not_found")
    return row


def render_shift(tx: Tx, actor: Actor, shift_id: str) -> dict[str, Any]:
    """CONTRACT.md's shift, plus who is on duty at the site now (the app warns before leaving it unattended)."""
    view = shift_view(load_shift(tx, actor, shift_id))
    on_duty = [r["user_id"] for r in tx.query("SELECT DISTINCT user_id FROM shifts WHERE site_id = ? AND ended_at IS NULL ORDER BY user_id",
                                              (view["site_id"],))]
    # `user_id` and `on_duty` are what start_shift answered before shifts had ids; app builds in the field still read them.
    return {**view, "user_id": view["guard_id"], "on_duty": view["ended_at"] is None, "on_duty_user_ids": on_duty}


def shift_view(row: dict[str, Any]) -> dict[str, Any]:
    """CONTRACT.md's shift (GET /shifts, sync pulls): a SHIFT_SELECT row with its handover once it ended."""
    handover = None
    if row["ended_at"] is not None:
        handover = {"note": row["handover_note"], "open_alarm_ids": json.loads(row["open_alarm_ids"] or "[]"),
                    "open_work_order_ids": json.loads(row["open_work_order_ids"] or "[]"),
                    "taken_over_by": json.loads(row["taken_over_by"] or "[]"),
                    "unattended_alarm_ids": json.loads(row["unattended_alarm_ids"] or "[]"),
                    "received_by": row["received_by"], "received_by_name": row["received_by_name"], "received_at": row["received_at"]}
    return {"id": str(row["id"]), "site_id": row["site_id"], "guard_id": row["user_id"], "guard_name": row["guard_name"],
            "started_at": row["started_at"], "ended_at": row["ended_at"], "handover": handover}


def list_shifts(tx: Tx, actor: Actor, site_id: str | None, limit: int = 100) -> list[dict[str, Any]]:
    """A site's shifts (or those of all the caller's sites), newest first, with their handovers."""
    if actor.role not in SHIFT_VIEWERS:
        raise Forbidden("shift records are for the monitoring room and the service centre", code="role_not_allowed")
    if site_id is not None:
        require_site(actor, site_id)
        where, params = "s.site_id = ?", [site_id]
    else:
        where, params = site_scope(actor, "s.site_id")
    rows = tx.query(f"{SHIFT_SELECT} WHERE {where} ORDER BY s.started_at DESC, s.id DESC LIMIT ?", (*params, limit))
    return [shift_view(r) for r in rows]
