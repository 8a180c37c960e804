"""Service targets (DOMAIN.md) and an order's state against them, from the times steps happened.

Targets are keyed `step[.category|.priority|.complaint_level]`; the most specific key wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

import msgspec

from server.clock import parse_rfc3339

DAY = 86_400

DEFAULT_TARGETS: dict[str, int] = {
    "dispatch": 120,                     # notify the maintenance team within 2 minutes of recording
    "arrive": 900,                       # on site within 15 minutes of notification
    "arrive.urgent": 300,                # 5 minutes for urgent and emergency repairs
    "arrive.emergency": 300,
    "feedback": 1200,                    # the result reaches the service centre within 20 minutes
    "resolve": 3 * DAY,                  # repairs within 3 working days
    "resolve.urgent": 1 * DAY,
    "resolve.emergency": 4 * 3600,
    "resolve.help": 1 * DAY,             # any enquiry answered within 24 hours
    "resolve.complaint.minor": 2 * DAY,
    "resolve.complaint.important": 3 * DAY,
    "resolve.complaint.major": 10 * DAY,
    "call_back.complaint.major": 7 * DAY,  # a major complaint is called back within a week of the fix
    "call_back.complaint": 14 * DAY,       # others within two weeks
    "call_back.urgent": 7 * DAY,           # major repairs (urgent, emergency) are always called back
    "call_back.emergency": 7 * DAY,
}

STEPS = ("dispatch", "arrive", "feedback", "resolve", "call_back")


class SlaStep(msgspec.Struct, frozen=True):
    step: str
    target_s: int
    elapsed_s: float | None
    met: bool | None


def target_for(targets: Mapping[str, int], step: str, wo: Mapping[str, Any]) -> int | None:
    """The most specific target for this order, or None when the step is not due for it."""
    category, priority, level = wo["category"], wo["priority"], wo.get("complaint_level")
    candidates = []
    if category == "complaint":
        candidates += [f"{step}.complaint.{level}", f"{step}.complaint"]
    candidates += [f"{step}.{priority}", f"{step}.{category}"]
    if step != "call_back":
        candidates.append(step)
    for key in candidates:
        if key in targets:
            return targets[key]
    return None


def _span(start: str | None, end: str | None, now: datetime) -> tuple[float | None, bool]:
    if start is None:
        return None, False
    stop = parse_rfc3339(end) if end else now
    return (stop - parse_rfc3339(start)).total_seconds(), end is not None


def step_state(targets: Mapping[str, int], step: str, wo: Mapping[str, Any], now: datetime) -> SlaStep | None:
    target = target_for(targets, step, wo)
    if target is None:
        return None
    start, end = {
        "dispatch": ("created_at", "dispatched_at"),
        "arrive": ("dispatched_at", "arrived_at"),
        "feedback": ("completed_at", "completion_recorded_at"),
        "resolve": ("created_at", "completed_at"),
        "call_back": ("signed_off_at", "called_back_at"),
    }[step]
    if step == "resolve" and wo.get("promised_at"):
        # A deferred job is judged by the time promised to the customer.
        target = max(target, int((parse_rfc3339(wo["promised_at"]) - parse_rfc3339(wo["created_at"])).total_seconds()))
    if wo["status"] == "cancelled" and not wo.get(end):
        return SlaStep(step, target, None, None)
    elapsed, finished = _span(wo.get(start), wo.get(end), now)
    if elapsed is None:
        return SlaStep(step, target, None, None)
    if finished:
        return SlaStep(step, target, round(elapsed, 3), elapsed <= target)
    return SlaStep(step, target, round(elapsed, 3), False if elapsed > target else None)


def sla_states(targets: Mapping[str, int], wo: Mapping[str, Any], now: datetime) -> list[SlaStep]:
    return [s for s in (step_state(targets, step, wo, now) for step in STEPS) if s is not None]
