"""The monitoring room's alarm mutators: acknowledging and resolving alarms (shifts: server/domain/shifts.py).

Acknowledging stops escalation and stores the latency the monthly report measures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from server.clock import to_rfc3339
from server.domain.actor import Actor
from server.domain.alarms.visibility import alarm_scope_sql, can_see_alarm
from server.domain.changes import touch
from server.domain.mutation import Ref, mutator
from server.domain.system_texts import SystemText
from server.domain.workorder_args import AddNote
from server.domain.workorders import keep_note
from server.errors import Conflict, NotFound
from server.ids import new_id
from server.store import Tx

ALARM_ROLES = {"guard", "supervisor"}


class AlarmRef(msgspec.Struct, forbid_unknown_fields=True):
    alarm_id: str


class ResolveAlarm(msgspec.Struct, forbid_unknown_fields=True):
    alarm_id: str
    note: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


def load_alarm(tx: Tx, actor: Actor, alarm_id: str) -> dict[str, Any]:
    alarm = tx.one("SELECT * FROM alarms WHERE id = ?", (alarm_id,))
    if alarm is None or not can_see_alarm(actor, alarm):
        raise NotFound(f"no alarm {alarm_id}", code="alarm_not_found")
    return alarm


def render_alarm(alarm: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": alarm["id"], "site_id": alarm["site_id"], "device_id": alarm["device_id"], "kind": alarm["kind"], "zone": alarm["zone"],
        "state": alarm["state"], "acked_by": alarm["acked_by"], "acked_at": alarm["acked_at"], "first_seen": alarm["first_seen"],
        "last_seen": alarm["last_seen"], "count": alarm["count"], "work_order_id": alarm["work_order_id"],
        "source": alarm["source"], "cleared_at": alarm["cleared_at"], "chattering": bool(alarm["chattering"]),
        "escalated_at": alarm["escalated_at"], "resolved_at": alarm["resolved_at"], "resolved_by": alarm["resolved_by"],
        "resolution": alarm["resolution"],
    }


@mutator("ack_alarm", AlarmRef, ALARM_ROLES, answers="alarm")
def ack_alarm(tx: Tx, actor: Actor, args: AlarmRef, occurred_at: datetime) -> Ref:
    """Acknowledge an alarm: someone is on it; escalation stops. Acknowledging twice keeps the first."""
    alarm = load_alarm(tx, actor, args.alarm_id)
    if alarm["acked_at"] is None:
        acked = max(to_rfc3339(occurred_at), alarm["first_seen"])
        tx.execute("UPDATE alarms SET acked_by = ?, acked_at = ? WHERE id = ?", (actor.id, acked, alarm["id"]))
        touch(tx, "alarm", alarm["id"])
        _note_on_ticket(tx, actor, alarm, "alarm_acknowledged", {}, occurred_at)
    return Ref("alarm", alarm["id"])


@mutator("resolve_alarm", ResolveAlarm, ALARM_ROLES, answers="alarm")
def resolve_alarm(tx: Tx, actor: Actor, args: ResolveAlarm, occurred_at: datetime) -> Ref:
    """The incident is dealt with on site; the note goes on the ticket too. Resolving acknowledges."""
    alarm = load_alarm(tx, actor, args.alarm_id)
    if alarm["resolved_at"] is not None:
        raise Conflict("this alarm is already resolved", code="alarm_resolved")
    at = max(to_rfc3339(occurred_at), alarm["first_seen"])
    tx.execute("UPDATE alarms SET resolved_at = ?, resolved_by = ?, resolution = ?, acked_by = coalesce(acked_by, ?), acked_at = coalesce(acked_at, ?)"
               " WHERE id = ?", (at, actor.id, args.note, actor.id, at, alarm["id"]))
    touch(tx, "alarm", alarm["id"])
    _note_on_ticket(tx, actor, alarm, "alarm_resolved", {"note": args.note}, occurred_at)
    return Ref("alarm", alarm["id"])


def _note_on_ticket(tx: Tx, actor: Actor, alarm: dict[str, Any], code: str, extra: dict[str, Any], occurred_at: datetime) -> None:
    """The step on the alarm's ticket as a system note (its words in each reader's language): who, which alarm, where."""
    if alarm["work_order_id"]:
        wo = tx.one("SELECT * FROM work_orders WHERE id = ?", (alarm["work_order_id"],))
        site = tx.one("SELECT name FROM sites WHERE id = ?", (alarm["site_id"],)) if alarm["site_id"] else None
        said = SystemText(code, {"kind": alarm["kind"], "zone": alarm["zone"], "device": None if alarm["zone"] else alarm["device_id"],
                                 "site_id": alarm["site_id"], "site_name": site["name"] if site else None,
                                 "actor_id": actor.id, "actor_name": actor.name, "alarm_id": alarm["id"], **extra})
        keep_note(tx, actor, wo, AddNote(work_order_id=wo["id"], id=new_id(), text=said.english()[:4000]), occurred_at, said)


def list_alarms(tx: Tx, actor: Actor, site_id: str | None, state: str | None, limit: int = 500) -> list[dict[str, Any]]:
    where, params = alarm_scope_sql(actor)
    clauses = [where]
    if site_id:
        clauses.append("site_id = ?")
        params.append(site_id)
    if state:
        clauses.append("state = ?")
        params.append(state)
    rows = tx.query(f"SELECT * FROM alarms WHERE {' AND '.join(clauses)} ORDER BY first_seen DESC LIMIT ?", (*params, limit))
    return [render_alarm(a) for a in rows]
