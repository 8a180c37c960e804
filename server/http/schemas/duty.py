"""The monitoring room's shifts, their handovers and the shift schedule (CONTRACT.md `GET /api/v1/shifts`)."""

from __future__ import annotations

from server.http.schemas import Answer


class Handover(Answer):
    note: str | None
    open_alarm_ids: list[str]
    open_work_order_ids: list[str]
    taken_over_by: list[str]
    unattended_alarm_ids: list[str]
    received_by: str | None
    received_by_name: str | None
    received_at: str | None


class Shift(Answer):
    id: str
    site_id: str
    guard_id: str
    guard_name: str | None
    started_at: str
    ended_at: str | None
    handover: Handover | None


class ShiftNow(Shift):
    """What a shift mutation answers: the shift, and who is on duty at the site now."""

    user_id: str
    on_duty: bool
    on_duty_user_ids: list[str]


class ShiftWindow(Answer):
    starts_at: str
    ends_at: str
    label: str


class OfficeHours(Answer):
    opens: str
    closes: str
    open_now: bool


class ShiftSchedule(Answer):
    site_id: str | None
    time_zone: str
    changes: list[str]
    current: ShiftWindow
    next: ShiftWindow
    office_hours: OfficeHours
