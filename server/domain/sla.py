"""Service targets (DOMAIN.md) and an order's state against them, from the times steps happened.

A target is a `Target(value, unit)`: seconds, or working days on the company calendar (server.domain.calendar).
Keys are `step`, optionally qualified; the most specific key an order matches wins, in this order:

    step.type.<work_type>        a sub-kind of work named on the order, e.g. resolve.type.gas_ignition
    step.complaint.<level>       a complaint of that level (minor, important, major)
    step.<priority>              urgent, emergency (normal is the bare key)
    step.<category>              repair, complaint, help, emergency
    step                         everyone (never for call_back: only the orders that need one are called back)

Targets are data (server.domain.targets): an order keeps those in force when it was created (`sla_targets` on
the row) and is judged by them; orders from before the snapshot fall back to the targets handed in.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterator, Literal, Mapping

import msgspec

from server.clock import parse_rfc3339, to_rfc3339
from server.domain.calendar import WorkCalendar

DAY = 86_400
Unit = Literal["seconds", "working_days"]
UNITS = ("seconds", "working_days")


class Target(msgspec.Struct, frozen=True, array_like=True):
    value: int
    unit: Unit = "seconds"


def _s(value: int) -> Target:
    return Target(value, "seconds")


def _wd(value: int) -> Target:
    return Target(value, "working_days")


DEFAULT_TARGETS: dict[str, Target] = {
    "record": _s(120),                       # record the report within 2 minutes of the contact
    "reply.help": _s(300),                   # a call for help gets a reply within 5 minutes
    "dispatch": _s(120),                     # notify the maintenance team within 2 minutes of recording
    "arrive": _s(900),                       # on site within 15 minutes of notification
    "arrive.urgent": _s(300),                # 5 minutes for urgent and emergency repairs
    "arrive.emergency": _s(300),
    "feedback": _s(1200),                    # the result reaches the service centre within 20 minutes
    "resolve": _wd(3),                       # repairs within 3 working days
    "resolve.type.gas_ignition": _wd(2),     # gas ignition within 2 working days
    "resolve.urgent": _s(1 * DAY),
    "resolve.emergency": _s(4 * 3600),
    "resolve.help": _s(1 * DAY),             # any enquiry answered within 24 hours
    "resolve.complaint.minor": _s(2 * DAY),
    "resolve.complaint.important": _s(3 * DAY),
    "resolve.complaint.major": _s(10 * DAY),
    "call_back.complaint.major": _s(7 * DAY),  # a major complaint is called back within a week of the fix
    "call_back.complaint": _s(14 * DAY),       # others within two weeks
    "call_back.urgent": _s(7 * DAY),           # major repairs (urgent, emergency) are always called back
    "call_back.emergency": _s(7 * DAY),
}

STEPS = ("record", "reply", "dispatch", "arrive", "feedback", "resolve", "call_back")
# Each step runs from one recorded time of the order to another.
SPANS = {
    "record": ("contacted_at", "created_at"),        # the contact (call, visit, sensor message) → the order recorded
    "reply": ("created_at", "replied_at"),           # recorded → the first response on the order (note, dispatch)
    "dispatch": ("created_at", "dispatched_at"),
    "arrive": ("dispatched_at", "arrived_at"),
    "feedback": ("completed_at", "completion_recorded_at"),
    "resolve": ("created_at", "completed_at"),
    "call_back": ("signed_off_at", "called_back_at"),
}
DEFAULT_CALENDAR = WorkCalendar()


class SlaRules(Mapping[str, Target]):
    """Targets for orders without a snapshot of their own, and the calendar working-day targets count on."""

    def __init__(self, targets: Mapping[str, Target | int], calendar: WorkCalendar) -> None:
        self._targets = {k: as_target(v) for k, v in targets.items()}
        self.calendar = calendar

    def __getitem__(self, key: str) -> Target:
        return self._targets[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._targets)

    def __len__(self) -> int:
        return len(self._targets)


class SlaStep(msgspec.Struct, frozen=True):
    step: str
    target_s: int
    elapsed_s: float | None
    met: bool | None
    due_at: str | None = None


def as_target(value: Target | int | list | tuple) -> Target:
    """Targets handed in as bare seconds (older callers) or `[value, unit]` pairs (snapshots) as Targets."""
    if isinstance(value, Target):
        return value
    if isinstance(value, int):
        return Target(value, "seconds")
    return Target(int(value[0]), value[1])


def calendar_of(targets: Mapping[str, Any]) -> WorkCalendar:
    return getattr(targets, "calendar", DEFAULT_CALENDAR)


def encode_snapshot(targets: Mapping[str, Target]) -> str:
    return json.dumps({k: [t.value, t.unit] for k, t in sorted(targets.items())}, separators=(",", ":"))


@lru_cache(maxsize=256)
def _decode_snapshot(raw: str) -> dict[str, Target]:
    # Most orders share a handful of snapshots: decoded once each, not once per order per render.
    return {k: as_target(v) for k, v in json.loads(raw).items()}


def candidate_keys(step: str, wo: Mapping[str, Any]) -> list[str]:
    """The keys that apply to this order for this step, most specific first."""
    category, priority, level = wo["category"], wo["priority"], wo.get("complaint_level")
    candidates = [f"{step}.type.{wo['work_type']}"] if wo.get("work_type") else []
    if category == "complaint":
        candidates += [f"{step}.complaint.{level}", f"{step}.complaint"]
    candidates += [f"{step}.{priority}", f"{step}.{category}"]
    if step != "call_back":
        candidates.append(step)
    return candidates


def target_for(targets: Mapping[str, Any], step: str, wo: Mapping[str, Any]) -> Target | None:
    """The most specific target for this order (its own snapshot first), or None when the step is not due for it."""
    raw = wo.get("sla_targets")
    if raw:
        return _snapshot_target(raw, step, wo["category"], wo["priority"], wo.get("complaint_level"), wo.get("work_type"))
    return _pick(targets, step, wo)


def _pick(targets: Mapping[str, Any], step: str, wo: Mapping[str, Any]) -> Target | None:
    for key in candidate_keys(step, wo):
        if key in targets:
            return as_target(targets[key])
    return None


@lru_cache(maxsize=4096)
def _snapshot_target(raw: str, step: str, category: str, priority: str, level: str | None, work_type: str | None) -> Target | None:
    # Orders share a handful of snapshots and kinds: each answer is worked out once (pulls render thousands of orders).
    wo = {"category": category, "priority": priority, "complaint_level": level, "work_type": work_type}
    return _pick(_decode_snapshot(raw), step, wo)


@lru_cache(maxsize=1024)
def _snapshot_plan(raw: str, category: str, priority: str, level: str | None, work_type: str | None) -> tuple[tuple[str, Target], ...]:
    return tuple((step, t) for step in STEPS if (t := _snapshot_target(raw, step, category, priority, level, work_type)) is not None)


def _plan(targets: Mapping[str, Any], wo: Mapping[str, Any]) -> tuple[tuple[str, Target], ...]:
    """The steps due for this order with their targets, in STEPS order."""
    raw = wo.get("sla_targets")
    if raw:
        return _snapshot_plan(raw, wo["category"], wo["priority"], wo.get("complaint_level"), wo.get("work_type"))
    return tuple((step, t) for step in STEPS if (t := _pick(targets, step, wo)) is not None)


def _time(times: dict[str, datetime], text: str) -> datetime:
    # An order's times are read by several steps (created_at by four): parsed once per order.
    found = times.get(text)
    if found is None:
        found = times[text] = parse_rfc3339(text)
    return found


def deadline(calendar: WorkCalendar, start: datetime, target: Target) -> datetime:
    if target.unit == "working_days":
        return calendar.add_working_days(start, target.value)
    return start + timedelta(seconds=target.value)


def due_for(targets: Mapping[str, Any], step: str, wo: Mapping[str, Any], start: str | None = None) -> tuple[Target, datetime | None] | None:
    """The step's target and when it falls due from `start` (default: the step's own start), None when not due."""
    target = target_for(targets, step, wo)
    if target is None:
        return None
    begun = start or wo.get(SPANS[step][0])
    return target, (_due(targets, step, target, wo, _time({}, begun)) if begun else None)


def _due(targets: Mapping[str, Any], step: str, target: Target, wo: Mapping[str, Any], start: datetime) -> datetime:
    due = deadline(calendar_of(targets), start, target)
    if step == "resolve" and wo.get("promised_at"):
        # A deferred job is judged by the time promised to the customer.
        due = max(due, parse_rfc3339(wo["promised_at"]))
    return due


def step_state(targets: Mapping[str, Any], step: str, wo: Mapping[str, Any], now: datetime) -> SlaStep | None:
    target = target_for(targets, step, wo)
    return None if target is None else _state(targets, step, target, wo, now, {})


def _state(targets: Mapping[str, Any], step: str, target: Target, wo: Mapping[str, Any], now: datetime,
           times: dict[str, datetime]) -> SlaStep | None:
    start_col, end_col = SPANS[step]
    begun = wo.get(start_col)
    if not begun:
        if step == "record":
            return None  # no contact time given: the step was not measured
        # Not started: a working-day target is shown at its nominal length.
        return SlaStep(step, target.value * (DAY if target.unit == "working_days" else 1), None, None)
    start = _time(times, begun)
    due = _due(targets, step, target, wo, start)
    target_s = int((due - start).total_seconds())
    due_text = to_rfc3339(due)
    end = wo.get(end_col)
    if wo["status"] == "cancelled" and not end:
        return SlaStep(step, target_s, None, None, due_text)
    stop = _time(times, end) if end else now
    elapsed = round((stop - start).total_seconds(), 3)
    if end:
        return SlaStep(step, target_s, elapsed, stop <= due, due_text)
    return SlaStep(step, target_s, elapsed, False if stop > due else None, due_text)


def sla_states(targets: Mapping[str, Any], wo: Mapping[str, Any], now: datetime) -> list[SlaStep]:
    times: dict[str, datetime] = {}
    return [s for step, target in _plan(targets, wo) if (s := _state(targets, step, target, wo, now, times)) is not None]
