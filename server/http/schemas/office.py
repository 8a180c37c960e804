"""The service centre's reads: call-backs due, open complaints, escalations, service targets, the monthly report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from server.domain.workorder_args import Category, ComplaintLevel, Priority
from server.http.schemas import Answer
from server.http.schemas.orders import OrderReporter, Status

TargetUnit = Literal["seconds", "working_days"]


class CallBackDue(Answer):
    """An order waiting for a call-back (回访) that reaches the customer."""

    work_order_id: str
    site_id: str
    unit: str
    title: str
    category: Category
    priority: Priority
    complaint_level: ComplaintLevel | None
    status: Status
    reporter: OrderReporter
    fixed_at: str | None
    due_at: str
    overdue: bool
    attempts: int
    last_attempt_at: str | None


class ComplaintDeadlines(Answer):
    level: str
    handle_by: str | None
    answer_by: str | None
    resolve_by: str | None
    call_back_by: str | None


class OpenComplaint(Answer):
    work_order_id: str
    site_id: str
    unit: str
    title: str
    status: Status
    complaint_level: ComplaintLevel | None
    created_at: str
    harm_ongoing_since: str | None
    deadlines: ComplaintDeadlines
    resolve_overdue: bool


class Escalation(Answer):
    """An escalation timer: pending until `due_at`, then fired (supervisors pushed) or dropped (settled in time)."""

    id: int
    kind: str
    site_id: str | None
    work_order_id: str | None
    due_at: str
    fired_at: str | None
    dropped_at: str | None
    payload: dict[str, Any]


class ServiceTarget(Answer):
    """A service target in force; `value` and `unit` are null after a site's own target was removed."""

    key: str
    value: int | None
    unit: TargetUnit | None
    site_id: str | None


class CompanyDay(Answer):
    """A day the company works or rests against the national calendar (`working` null: the calendar decides)."""

    day: str
    working: bool | None
    reason: str


class Counts(Answer):
    by_category: dict[str, int]
    by_priority: dict[str, int]
    total: int
    cancelled: int


class OnTime(Answer):
    """Fractions 0..1 of the orders due each step that met its target; null where nothing was due."""

    record: float | None
    reply: float | None
    dispatch: float | None
    arrive: float | None
    feedback: float | None
    resolve: float | None
    call_back: float | None


class MetDue(Answer):
    met: int
    due: int


class ComplaintCounts(Answer):
    by_level: dict[str, int]
    resolved_in_time: float | None
    resolved_in_time_by_level: dict[str, float | None]


class AlarmAck(Answer):
    p50: float | None
    p90: float | None
    acked: int
    unacked: int


class ReworkCounts(Answer):
    reworks: int
    jobs: int


class CallBackCounts(Answer):
    called: int
    owed: int


class Miss(Answer):
    """An order behind a rate, with its reference number and names; the step's own facts beside."""

    work_order_id: str
    order_no: str
    site_id: str
    site_name: str
    title: str
    assignee_id: str | None
    assignee_name: str | None
    elapsed_s: float | None | msgspec.UnsetType = msgspec.UNSET
    target_s: float | None | msgspec.UnsetType = msgspec.UNSET
    complaint_level: ComplaintLevel | None | msgspec.UnsetType = msgspec.UNSET
    title_code: Annotated[str | None, msgspec.Meta(description="a sensor-made order's title as a code (pwa/i18n systext catalog)")] = None
    title_args: dict[str, Any] | None = None
    resolve_by: str | None | msgspec.UnsetType = msgspec.UNSET
    # present only on the resolve figure's misses (null there: not completed yet); absent elsewhere
    completed_at: str | None | msgspec.UnsetType = msgspec.UNSET
    rework_of: str | None | msgspec.UnsetType = msgspec.UNSET
    rework_of_no: str | None | msgspec.UnsetType = msgspec.UNSET
    fixed_at: str | None | msgspec.UnsetType = msgspec.UNSET


class ReportWindow(Answer):
    start: str
    end: str
    time_zone: str


class MonthlyReport(Answer):
    """The DOMAIN.md statistics of a month (CONTRACT.md "Reports"), with the orders behind each rate in `misses`."""

    month: str
    site_id: str | None
    site_name: str | None
    counts: Counts
    on_time: OnTime
    rework_rate: float | None
    call_back_rate: float | None
    complaints: ComplaintCounts
    alarm_ack_s: AlarmAck
    on_time_counts: dict[str, MetDue]
    rework_counts: ReworkCounts
    call_back_counts: CallBackCounts
    misses: dict[str, list[Miss]]
    window: ReportWindow
    generated_at: str
