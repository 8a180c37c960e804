"""The supervisor's queue: every escalation now owed on the caller's sites — unacknowledged alarms past
their escalation time, serious complaints, harm still going on, overdue work and call-backs — and the
overdue-work list, both computed from the alarms and orders as they are now (not from the timer's rows,
which lag by a poll), with when the next one falls due so a screen knows when to look again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

import msgspec

from server.clock import parse_rfc3339, to_rfc3339
from server.domain.access import order_scope_sql, require_site
from server.domain.actor import Actor
from server.domain.alarms.visibility import alarm_scope_sql
from server.domain.complaints import ComplaintPolicy, require_office
from server.domain.escalations import RULES, list_escalations
from server.domain.sla import SPANS, sla_states
from server.domain.status_rules import FINISHED
from server.domain.system_texts import decode_args
from server.errors import Forbidden
from server.store import Tx

SUPERVISION_ROLES = ("supervisor", "admin")
# What each escalation waits for: the step that settles it (shown to the supervisor as the next action).
WAITS_FOR = {"alarm_unacknowledged": "ack", "harm_ongoing": "stop_harm", "complaint_received": "take_up",
             "complaint_unhandled": "take_up", "resolve_overdue": "complete", "call_back_overdue": "call_back"}


class QueueOrder(msgspec.Struct, frozen=True):
    """Enough of an order to recognise the job and act on it; customer details stay on the order page."""

    id: str
    title: str
    unit: str
    status: str
    category: str
    priority: str
    complaint_level: str | None
    assignee_id: str | None
    # a sensor-made order's title as a system text (system_texts.py), for the reader's language
    title_code: str | None = None
    title_args: dict[str, Any] | None = None


class QueueAlarm(msgspec.Struct, frozen=True):
    id: str
    kind: str
    zone: str | None
    device_id: str
    state: str
    first_seen: str
    count: int
    work_order_id: str | None


class QueueItem(msgspec.Struct, frozen=True):
    """One escalation owed now: `kind` says why, `waits_for` the step that settles it."""

    id: str
    kind: str
    waits_for: str
    site_id: str | None
    due_at: str
    late_s: int
    work_order: QueueOrder | None
    alarm: QueueAlarm | None


class EscalationQueue(msgspec.Struct, frozen=True):
    items: list[QueueItem]
    next_due_at: str | None
    server_time: str


class OverdueWork(msgspec.Struct, frozen=True):
    work_order: QueueOrder
    site_id: str
    step: str
    due_at: str
    late_s: int
    assignee_name: str | None


def require_supervision(actor: Actor, site_id: str | None) -> None:
    if actor.role not in SUPERVISION_ROLES:
        raise Forbidden("the escalation queue is for supervisors and admins", code="role_not_allowed")
    if site_id:
        require_site(actor, site_id)


def _order_view(wo: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": wo["id"], "title": wo["title"], "unit": wo["unit"], "status": wo["status"], "category": wo["category"],
            "priority": wo["priority"], "complaint_level": wo.get("complaint_level"), "assignee_id": wo.get("assignee_id"),
            "title_code": wo.get("title_code"), "title_args": decode_args(wo.get("title_args"))}


def _late_s(due: str, now: datetime) -> int:
    return int((now - parse_rfc3339(due)).total_seconds())


def _open_orders(tx: Tx, actor: Actor, site_id: str | None) -> list[dict[str, Any]]:
    where, params = order_scope_sql(actor)
    if site_id:
        where, params = f"{where} AND site_id = ?", [*params, site_id]
    marks = ",".join("?" for _ in FINISHED)
    return tx.query(f"SELECT * FROM work_orders WHERE {where} AND status NOT IN ({marks})", [*params, *FINISHED])


def _alarm_items(tx: Tx, actor: Actor, site_id: str | None, stamp: str, now: datetime) -> tuple[list[dict[str, Any]], str | None]:
    where, params = alarm_scope_sql(actor)
    if site_id:
        where, params = f"{where} AND site_id = ?", [*params, site_id]
    waiting = f"{where} AND acked_at IS NULL AND resolved_at IS NULL AND escalate_at IS NOT NULL"
    items = [{
        "id": f"alarm:{a['id']}", "kind": "alarm_unacknowledged", "waits_for": "ack", "site_id": a["site_id"],
        "due_at": a["escalate_at"], "late_s": _late_s(a["escalate_at"], now), "work_order": None,
        "alarm": {"id": a["id"], "kind": a["kind"], "zone": a["zone"], "device_id": a["device_id"], "state": a["state"],
                  "first_seen": a["first_seen"], "count": a["count"], "work_order_id": a["work_order_id"]},
    } for a in tx.query(f"SELECT * FROM alarms WHERE {waiting} AND escalate_at <= ?", [*params, stamp])]
    upcoming = tx.one(f"SELECT min(escalate_at) AS at FROM alarms WHERE {waiting} AND escalate_at > ?", [*params, stamp])
    return items, upcoming["at"] if upcoming else None


def _order_items(policy: ComplaintPolicy, orders: list[dict[str, Any]], stamp: str, now: datetime) -> tuple[list[dict[str, Any]], str | None]:
    items, upcoming = [], []
    for wo in orders:
        dues = {}
        for rule in RULES:
            if rule.applies(policy, wo) and not rule.settled(wo):
                due = rule.due(policy, wo)
                if due is not None:
                    dues[rule.kind] = due
        # "Received" is news until the complaint is taken up; once the hour to take it up has passed,
        # "not taken up" says the same thing louder, so the queue shows that one alone.
        if wo.get("dispatched_at") or wo.get("completed_at") or dues.get("complaint_unhandled", "~") <= stamp:
            dues.pop("complaint_received", None)
        for kind, due in dues.items():
            if due > stamp:
                upcoming.append(due)
                continue
            items.append({"id": f"work_order:{wo['id']}:{kind}", "kind": kind, "waits_for": WAITS_FOR[kind], "site_id": wo["site_id"],
                          "due_at": due, "late_s": _late_s(due, now), "work_order": _order_view(wo), "alarm": None})
    return items, min(upcoming) if upcoming else None


def escalation_queue(tx: Tx, actor: Actor, policy: ComplaintPolicy, now: datetime, site_id: str | None = None) -> EscalationQueue:
    """Everything now owed to supervisors on the caller's sites, newest due first, and `next_due_at`:
    when the next item will join (a screen refreshes then, as no event announces the passing of time)."""
    require_supervision(actor, site_id)
    stamp = to_rfc3339(now)
    alarms, alarm_next = _alarm_items(tx, actor, site_id, stamp, now)
    orders, order_next = _order_items(policy, _open_orders(tx, actor, site_id), stamp, now)
    items = sorted(alarms + orders, key=lambda i: (i["due_at"], i["id"]), reverse=True)
    upcoming = [at for at in (alarm_next, order_next) if at]
    return msgspec.convert({"items": items, "next_due_at": min(upcoming) if upcoming else None, "server_time": stamp}, EscalationQueue)


def overdue_work(tx: Tx, actor: Actor, targets: Mapping[str, int], now: datetime, site_id: str | None = None) -> list[OverdueWork]:
    """Open orders past a service target on a step not yet done (the step now late), latest first."""
    require_supervision(actor, site_id)
    names = {u["id"]: u["name"] for u in tx.query("SELECT id, name FROM users")}
    out = []
    for wo in _open_orders(tx, actor, site_id):
        for state in sla_states(targets, wo, now):
            if state.met is False and wo.get(SPANS[state.step][1]) is None and state.elapsed_s is not None and state.due_at:
                out.append({"work_order": _order_view(wo), "site_id": wo["site_id"], "step": state.step, "due_at": state.due_at,
                            "late_s": int(state.elapsed_s - state.target_s), "assignee_name": names.get(wo.get("assignee_id") or "")})
    return msgspec.convert(sorted(out, key=lambda i: (-i["late_s"], i["work_order"]["id"], i["step"])), list[OverdueWork])


def escalations_seen_by(tx: Tx, actor: Actor, site_id: str | None, state: str | None, limit: int) -> list[dict[str, Any]]:
    """The escalation timers of the office's sites (admin: every site), newest due first; `state` pending, fired or dropped."""
    require_office(actor)
    return list_escalations(tx, None if actor.is_admin else actor.site_ids, site_id, state, limit)
