"""Complaints (投诉) and call-backs (回访): deadlines per complaint level, the harm-ongoing flag,
and the dispatcher's call-back queue (DOMAIN.md "Complaints", procedure step 10).

Deadlines come from the SLA targets (server.domain.sla) plus the settings named in `ComplaintPolicy`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo

import msgspec

from server.clock import parse_rfc3339, to_rfc3339
from server.domain.access import OFFICE_ROLES, load_order, may_see_customer, order_scope_sql, require_assignee
from server.domain.actor import Actor
from server.domain.mutation import Ref, mutator
from server.domain.sla import DAY, due_for, target_for
from server.domain.status_rules import FINISHED, sql_list
from server.domain.workorders import record, step_time
from server.errors import Conflict, Forbidden
from server.store import Tx

# A major complaint gets "a clear answer within 2 days" before it is resolved (within 10 days).
MAJOR_ANSWER_S = 2 * DAY
# An order needs a call-back once fixed, and until a call reaches the customer.
CALL_BACK_STATUSES = ("completed", "signed_off", "disputed")


class ComplaintPolicy(msgspec.Struct, frozen=True):
    """The numbers deadlines are computed from: SLA targets and two settings."""

    targets: Mapping[str, Any]
    company_tz: str = "Asia/Shanghai"
    handle_important_s: int = 3600


class ComplaintDeadlines(msgspec.Struct, frozen=True):
    level: str
    handle_by: str | None  # important: head of office within 1 hour; major: management the same day
    answer_by: str | None  # major: a clear answer within 2 days
    resolve_by: str | None
    call_back_by: str | None  # known once the fix is done


def handle_by(policy: ComplaintPolicy, wo: Mapping[str, Any]) -> str | None:
    """When an important or major complaint must have been taken up (dispatched)."""
    created = parse_rfc3339(wo["created_at"])
    level = wo.get("complaint_level")
    if level == "important":
        return to_rfc3339(created + timedelta(seconds=policy.handle_important_s))
    if level == "major":
        # "The same day" in the company's time zone: before the next local midnight.
        local = created.astimezone(ZoneInfo(policy.company_tz))
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=local.tzinfo)
        return to_rfc3339(midnight)
    return None


def resolve_by(targets: Mapping[str, Any], wo: Mapping[str, Any]) -> str | None:
    """The resolve deadline: per category, priority and level; a promised time or, for a minor
    complaint, the customer's own deadline (`requested_at`) replaces it."""
    found = due_for(targets, "resolve", wo)  # seconds or working days, a promised time already counted
    if found is None or found[1] is None:
        return None
    due = found[1]
    if wo.get("category") == "complaint" and wo.get("complaint_level") == "minor" and wo.get("requested_at"):
        due = parse_rfc3339(wo["requested_at"])
        if wo.get("promised_at"):
            due = max(due, parse_rfc3339(wo["promised_at"]))
    return to_rfc3339(due)


def needs_call_back(targets: Mapping[str, Any], wo: Mapping[str, Any]) -> bool:
    """Every complaint and every major (urgent, emergency) repair is called back."""
    return target_for(targets, "call_back", wo) is not None


def call_back_by(targets: Mapping[str, Any], wo: Mapping[str, Any]) -> str | None:
    """7 days after the fix for a major complaint or major repair, 14 days for other complaints."""
    fixed = wo.get("signed_off_at") or wo.get("completed_at")
    found = due_for(targets, "call_back", wo, start=fixed) if fixed else None
    if found is None or found[1] is None:
        return None
    return to_rfc3339(found[1])


def complaint_deadlines(policy: ComplaintPolicy, wo: Mapping[str, Any]) -> ComplaintDeadlines:
    answer = None
    if wo.get("complaint_level") == "major":
        answer = to_rfc3339(parse_rfc3339(wo["created_at"]) + timedelta(seconds=MAJOR_ANSWER_S))
    return ComplaintDeadlines(wo.get("complaint_level") or "", handle_by(policy, wo), answer,
                              resolve_by(policy.targets, wo), call_back_by(policy.targets, wo))


def resolved_in_time(targets: Mapping[str, Any], wo: Mapping[str, Any], now: datetime) -> bool | None:
    """True/False once decided (fixed, or the deadline passed unfixed); None while still open in time."""
    due = resolve_by(targets, wo)
    if due is None or (wo["status"] == "cancelled" and not wo.get("completed_at")):
        return None
    if wo.get("completed_at"):
        return wo["completed_at"] <= due
    return False if to_rfc3339(now) > due else None


def require_office(actor: Actor) -> None:
    if actor.role not in OFFICE_ROLES:
        raise Forbidden("only the service centre (dispatchers, supervisors) sees this", code="role_not_allowed")


def _scoped(actor: Actor, site_id: str | None) -> tuple[str, list[Any]]:
    where, params = order_scope_sql(actor)
    if site_id:
        where, params = f"{where} AND site_id = ?", [*params, site_id]
    return where, params


def call_back_queue(tx: Tx, actor: Actor, targets: Mapping[str, Any], now: datetime, site_id: str | None = None) -> list[dict[str, Any]]:
    """Orders waiting for a call-back that reaches the customer, earliest due first, with the attempts so far."""
    require_office(actor)
    where, params = _scoped(actor, site_id)
    marks = ",".join("?" for _ in CALL_BACK_STATUSES)
    rows = tx.query(
        f"SELECT w.*, (SELECT COUNT(*) FROM call_backs c WHERE c.work_order_id = w.id) AS attempts,"
        f" (SELECT MAX(occurred_at) FROM call_backs c WHERE c.work_order_id = w.id) AS last_attempt_at"
        f" FROM work_orders w WHERE {where} AND status IN ({marks}) AND called_back_at IS NULL",
        (*params, *CALL_BACK_STATUSES))
    queue = []
    for wo in rows:
        due = call_back_by(targets, wo)
        if due is None:
            continue
        customer = may_see_customer(actor, wo)
        queue.append({
            "work_order_id": wo["id"], "site_id": wo["site_id"], "unit": wo["unit"], "title": wo["title"],
            "category": wo["category"], "priority": wo["priority"], "complaint_level": wo["complaint_level"],
            "status": wo["status"], "reporter": {"name": wo["reporter_name"] if customer else "", "phone": wo["reporter_phone"] if customer else ""},
            "fixed_at": wo["signed_off_at"] or wo["completed_at"], "due_at": due, "overdue": to_rfc3339(now) > due,
            "attempts": wo["attempts"], "last_attempt_at": wo["last_attempt_at"],
        })
    return sorted(queue, key=lambda item: (item["due_at"], item["work_order_id"]))


def open_complaints(tx: Tx, actor: Actor, policy: ComplaintPolicy, now: datetime, site_id: str | None = None) -> list[dict[str, Any]]:
    """Complaints not yet closed or cancelled with their deadlines; harm still going on comes first."""
    require_office(actor)
    where, params = _scoped(actor, site_id)
    rows = tx.query(f"SELECT * FROM work_orders WHERE {where} AND category = 'complaint' AND status NOT IN {sql_list(FINISHED)}", params)
    out = []
    for wo in rows:
        deadlines = complaint_deadlines(policy, wo)
        out.append({
            "work_order_id": wo["id"], "site_id": wo["site_id"], "unit": wo["unit"], "title": wo["title"],
            "status": wo["status"], "complaint_level": wo["complaint_level"], "created_at": wo["created_at"],
            "harm_ongoing_since": wo["harm_ongoing_since"], "deadlines": msgspec.to_builtins(deadlines),
            "resolve_overdue": deadlines.resolve_by is not None and not wo["completed_at"] and to_rfc3339(now) > deadlines.resolve_by,
        })
    return sorted(out, key=lambda c: (c["harm_ongoing_since"] is None, c["deadlines"]["resolve_by"] or "", c["work_order_id"]))


class SetHarmOngoing(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    ongoing: bool


@mutator("set_harm_ongoing", SetHarmOngoing, {"dispatcher", "supervisor", "technician", "guard"})
def set_harm_ongoing(tx: Tx, actor: Actor, args: SetHarmOngoing, occurred_at: datetime) -> Ref:
    """Flag that harm is still going on (a leak still running, a hazard unguarded) — supervisors are pushed at once; clear it once stopped."""
    wo = load_order(tx, actor, args.work_order_id)
    require_assignee(actor, wo, "flag harm on this order")
    if wo["status"] in FINISHED:
        raise Conflict(f"cannot flag harm: the order is {wo['status']}", code="invalid_status", status=wo["status"])
    occurred = step_time(wo, occurred_at)
    since = (wo["harm_ongoing_since"] or occurred) if args.ongoing else None
    return record(tx, actor, wo, "set_harm_ongoing", occurred, {"harm_ongoing_since": since}, {"ongoing": args.ongoing})
