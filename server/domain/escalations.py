"""Escalation rules as data, and their timers kept as `escalations` rows with a `due_at`, so a
restart loses none: complaints by level, harm still going on, overdue work and overdue call-backs.

`plan` brings the rows in line with the orders; `due_now` lists what to push to supervisors.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable, Mapping

import msgspec

from server.clock import to_rfc3339
from server.domain.access import in_sites
from server.domain.complaints import ComplaintPolicy, call_back_by, handle_by, needs_call_back, resolve_by
from server.domain.sla import sla_states
from server.domain.status_rules import FINISHED
from server.domain.system_texts import decode_args
from server.store import Tx

Order = Mapping[str, Any]


class EscalationRule(msgspec.Struct, frozen=True):
    """When `applies` to an order, supervisors are pushed at `due` unless the order is `settled` by then."""

    kind: str
    why: str
    applies: Callable[[ComplaintPolicy, Order], bool]
    due: Callable[[ComplaintPolicy, Order], str | None]
    settled: Callable[[Order], bool]


def _serious_complaint(policy: ComplaintPolicy, wo: Order) -> bool:
    return wo["category"] == "complaint" and wo.get("complaint_level") in ("important", "major")


RULES: tuple[EscalationRule, ...] = (
    EscalationRule("harm_ongoing", "harm is still going on: stop it first",
                   applies=lambda p, wo: True, due=lambda p, wo: wo.get("harm_ongoing_since"),
                   settled=lambda wo: wo.get("harm_ongoing_since") is None),
    # Important: the head of the management office handles it within 1 hour; major: management, the same day.
    EscalationRule("complaint_received", "an important or major complaint was received",
                   applies=_serious_complaint, due=lambda p, wo: wo["created_at"], settled=lambda wo: False),
    EscalationRule("complaint_unhandled", "a serious complaint was not taken up in time",
                   applies=_serious_complaint, due=handle_by,
                   settled=lambda wo: wo.get("dispatched_at") is not None or wo.get("completed_at") is not None),
    EscalationRule("resolve_overdue", "the work is past its resolve deadline",
                   applies=lambda p, wo: True, due=lambda p, wo: resolve_by(p.targets, wo),
                   settled=lambda wo: wo.get("completed_at") is not None),
    EscalationRule("call_back_overdue", "the customer has not been called back in time",
                   applies=lambda p, wo: needs_call_back(p.targets, wo), due=lambda p, wo: call_back_by(p.targets, wo),
                   settled=lambda wo: wo.get("called_back_at") is not None),
)

# Escalations handed out per round: bounds how long a round holds the writer (alarms wait behind it)
# after a long outage; the rest follow on the next polls.
DUE_BATCH = 100
STEP_END = {"dispatch": "dispatched_at", "arrive": "arrived_at", "feedback": "completion_recorded_at",
            "resolve": "completed_at", "call_back": "called_back_at"}


def complaint_policy(services: Any) -> ComplaintPolicy:
    """The complaint deadlines in force: the SLA targets and the company's time zone and handling limit (from `services`)."""
    settings = services.settings
    return ComplaintPolicy(services.sla_targets, settings.company_tz, settings.complaint_handle_important_s)


def payload(rule: EscalationRule, wo: Order, due: str) -> dict[str, Any]:
    """What supervisors are sent: enough to recognise the job, no customer details (name, phone, unit).
    The type differs from the alarm escalation push (`escalation`), so a service worker tells them apart."""
    return {"type": "work_order_escalation", "kind": rule.kind, "why": rule.why, "work_order_id": wo["id"], "site_id": wo["site_id"],
            "title": wo["title"], "title_code": wo.get("title_code"), "title_args": decode_args(wo.get("title_args")),
            "category": wo["category"], "priority": wo["priority"],
            "complaint_level": wo.get("complaint_level"), "due_at": due}


class Change(msgspec.Struct, frozen=True):
    """One write `plan` asks for: insert a timer, move one (re-arming it), or drop one no longer owed."""

    op: str  # insert | move | drop
    kind: str
    work_order_id: str
    site_id: str = ""
    row_id: int | None = None
    due_at: str | None = None
    payload: str | None = None


def _decide(policy: ComplaintPolicy, rule: EscalationRule, wo: Order | None, row: Mapping[str, Any] | None) -> Change | None:
    """What one rule needs for one order (None: the order is finished) given its row, if any."""
    due = None
    if wo is not None and wo["status"] not in FINISHED and rule.applies(policy, wo) and not rule.settled(wo):
        due = rule.due(policy, wo)
    pending = row is not None and row["fired_at"] is None and row["dropped_at"] is None
    if due is None:
        return Change("drop", rule.kind, row["work_order_id"], row_id=row["id"]) if pending else None
    assert wo is not None
    body = json.dumps(payload(rule, wo, due), ensure_ascii=False)
    if row is None:
        return Change("insert", rule.kind, wo["id"], wo["site_id"], None, due, body)
    if row["due_at"] != due or row["dropped_at"] is not None:
        return Change("move", rule.kind, wo["id"], wo["site_id"], row["id"], due, body)
    return None


def plan(tx: Tx, policy: ComplaintPolicy, since: int | None = None) -> tuple[list[Change], int]:
    """The writes that bring escalation rows in line with the orders, and the change-log version they
    reflect. Read-only, so it runs on a snapshot beside the writer: alarms never wait for it. With
    `since`, only orders changed after that version are looked at (rules depend on an order's fields;
    time is judged by `due_now`), so a round costs what changed, not every open order. A row whose due
    time moves (a new promise, harm flagged again) is re-armed even if it fired before."""
    version = tx.one("SELECT coalesce(max(version), 0) AS v FROM changes")["v"]
    marks = ",".join("?" for _ in FINISHED)
    scope, extra = "", []
    if since is not None:
        scope, extra = " AND w.id IN (SELECT obj_id FROM changes WHERE type = 'work_order' AND version > ?)", [since]
    orders = tx.query(f"SELECT * FROM work_orders w WHERE w.status NOT IN ({marks}){scope}", [*FINISHED, *extra])
    columns = "e.id, e.work_order_id, e.kind, e.due_at, e.fired_at, e.dropped_at"
    rows = {(e["work_order_id"], e["kind"]): e for e in tx.query(
        f"SELECT {columns} FROM escalations e JOIN work_orders w ON w.id = e.work_order_id WHERE w.status NOT IN ({marks}){scope}",
        [*FINISHED, *extra])}
    changes = []
    for wo in orders:
        for rule in RULES:
            change = _decide(policy, rule, wo, rows.get((wo["id"], rule.kind)))
            if change is not None:
                changes.append(change)
    # Closed or cancelled orders owe nothing more: their pending rows are dropped.
    finished = tx.query(f"SELECT {columns} FROM escalations e JOIN work_orders w ON w.id = e.work_order_id"
                        f" WHERE e.fired_at IS NULL AND e.dropped_at IS NULL AND w.status IN ({marks}){scope}", [*FINISHED, *extra])
    return changes + [Change("drop", row["kind"], row["work_order_id"], row_id=row["id"]) for row in finished], version


def apply_changes(tx: Tx, changes: list[Change], now: datetime) -> None:
    stamp = to_rfc3339(now)
    for c in changes:
        if c.op == "insert":
            tx.execute("INSERT INTO escalations (kind, site_id, work_order_id, due_at, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                       " ON CONFLICT (work_order_id, kind) DO NOTHING", (c.kind, c.site_id, c.work_order_id, c.due_at, c.payload, stamp))
        elif c.op == "move":
            tx.execute("UPDATE escalations SET due_at = ?, payload = ?, fired_at = NULL, dropped_at = NULL WHERE id = ?", (c.due_at, c.payload, c.row_id))
        else:
            tx.execute("UPDATE escalations SET dropped_at = ? WHERE id = ? AND fired_at IS NULL", (stamp, c.row_id))


def due_now(tx: Tx, policy: ComplaintPolicy, now: datetime) -> list[dict[str, Any]]:
    """Pending escalations whose time has come, oldest first — each checked again against its order
    as it is now (the plan was made on an older snapshot): settled ones are dropped, moved ones re-armed."""
    stamp = to_rfc3339(now)
    rules = {rule.kind: rule for rule in RULES}
    due = []
    for row in tx.query("SELECT id, kind, site_id, work_order_id, due_at, fired_at, dropped_at FROM escalations"
                        " WHERE fired_at IS NULL AND dropped_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?", (stamp, DUE_BATCH)):
        wo = tx.one("SELECT * FROM work_orders WHERE id = ?", (row["work_order_id"],))
        change = _decide(policy, rules[row["kind"]], wo, row) if row["kind"] in rules else Change("drop", row["kind"], row["work_order_id"], row_id=row["id"])
        if change is not None:
            apply_changes(tx, [change], now)
            if change.op == "drop" or (change.due_at or "") > stamp:
                continue
        current = tx.one("SELECT id, kind, site_id, work_order_id, due_at, payload FROM escalations WHERE id = ?", (row["id"],))
        due.append({**current, "payload": json.loads(current["payload"])})
    return due


def mark_fired(tx: Tx, ids: list[int], now: datetime) -> None:
    stamp = to_rfc3339(now)
    for escalation_id in ids:
        tx.execute("UPDATE escalations SET fired_at = ? WHERE id = ? AND fired_at IS NULL", (stamp, escalation_id))


def list_escalations(tx: Tx, site_ids: frozenset[str] | None, site_id: str | None, state: str | None, limit: int) -> list[dict[str, Any]]:
    """Escalations newest first; `state` is pending, fired or dropped. `site_ids` None means every site."""
    clauses, params = ["1 = 1"], []
    if site_ids is not None:
        placed, sites = in_sites("site_id", site_ids)
        clauses.append(placed)
        params += sites
    if site_id:
        clauses.append("site_id = ?")
        params.append(site_id)
    clauses.append({"pending": "fired_at IS NULL AND dropped_at IS NULL", "fired": "fired_at IS NOT NULL",
                    "dropped": "dropped_at IS NOT NULL AND fired_at IS NULL"}.get(state or "", "1 = 1"))
    rows = tx.query(f"SELECT id, kind, site_id, work_order_id, due_at, fired_at, dropped_at, payload FROM escalations"
                    f" WHERE {' AND '.join(clauses)} ORDER BY due_at DESC, id DESC LIMIT ?", (*params, limit))
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


def overdue_counts(tx: Tx, targets: Mapping[str, int], now: datetime) -> dict[str, int]:
    """Open orders past an SLA target on a step not yet done, per step (the overdue-work gauge)."""
    counts = dict.fromkeys(STEP_END, 0)
    marks = ",".join("?" for _ in FINISHED)
    for wo in tx.query(f"SELECT * FROM work_orders WHERE status NOT IN ({marks})", FINISHED):
        for state in sla_states(targets, wo, now):
            if state.met is False and wo.get(STEP_END[state.step]) is None:
                counts[state.step] += 1
    return counts
