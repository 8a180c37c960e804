"""The clock of the monitoring room: the company's office hours and each site's shift changes
(DOMAIN.md: 08:30–17:30 and 17:30–08:30), both in the company's time zone.

After office hours the service line is the monitoring room's, so a guard on duty may dispatch
(`may_dispatch_after_hours`); the app shows the shift running and the next one (`shift_windows`).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from server.clock import to_rfc3339
from server.domain.access import require_site
from server.domain.actor import Actor
from server.domain.policy import policy

DEFAULT_OFFICE_HOURS = "08:30-17:30"
DEFAULT_SHIFT_CHANGES = "08:30,17:30"


class Schedule(msgspec.Struct, frozen=True):
    company_tz: str = "Asia/Shanghai"
    office_opens: time = time(8, 30)
    office_closes: time = time(17, 30)
    shift_changes: tuple[time, ...] = (time(8, 30), time(17, 30))
    # Sites whose guards change at other times than the company default.
    site_changes: dict[str, tuple[time, ...]] = {}

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.company_tz)

    def changes_at(self, site_id: str | None) -> tuple[time, ...]:
        return self.site_changes.get(site_id or "", self.shift_changes)

    def in_office_hours(self, at: datetime) -> bool:
        local = at.astimezone(self.zone()).time()
        if self.office_opens <= self.office_closes:
            return self.office_opens <= local < self.office_closes
        return local >= self.office_opens or local < self.office_closes  # an office open across midnight


def _clock(text: str, setting: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{setting}: {text!r} is not a time of day HH:MM") from None


def _changes(text: str, setting: str) -> tuple[time, ...]:
    found = sorted({_clock(part, setting) for part in text.split(",") if part.strip()})
    if not found:
        raise ValueError(f"{setting}: no shift change time in {text!r}")
    return tuple(found)


def parse_schedule(company_tz: str, office_hours: str, shift_changes: str) -> Schedule:
    """From the settings: `08:30-17:30`; `08:30,17:30` optionally followed by `;site=07:00,19:00` per site."""
    try:
        ZoneInfo(company_tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"FIELDOPS_COMPANY_TZ: unknown time zone {company_tz!r}") from None
    opens, sep, closes = office_hours.partition("-")
    if not sep:
        raise ValueError(f"FIELDOPS_OFFICE_HOURS: {office_hours!r} is not HH:MM-HH:MM")
    default, *per_site = shift_changes.split(";")
    sites = {}
    for entry in per_site:
        site, sep, times = entry.partition("=")
        if not sep or not site.strip():
            raise ValueError(f"FIELDOPS_SHIFT_CHANGES: {entry!r} is not site=HH:MM,HH:MM")
        sites[site.strip()] = _changes(times, "FIELDOPS_SHIFT_CHANGES")
    return Schedule(company_tz, _clock(opens, "FIELDOPS_OFFICE_HOURS"), _clock(closes, "FIELDOPS_OFFICE_HOURS"),
                    _changes(default, "FIELDOPS_SHIFT_CHANGES"), sites)


def schedule_in(tx: Any) -> Schedule:
    """The schedule in force: written from the settings at start (company_policy), so every instance sharing
    the database, and an offline dispatch replayed later, is judged by the same hours."""
    return parse_schedule(policy(tx, "company_tz"), policy(tx, "office_hours"), policy(tx, "shift_changes"))


def shift_schedule(tx: Any, actor: Actor, site_id: str | None, at: datetime) -> dict[str, Any]:
    """The shift running at `at` and the next one at a site of the actor's (or the company's default), and the office hours."""
    if site_id is not None:
        require_site(actor, site_id)
    return shift_windows(schedule_in(tx), site_id, at)


def shift_windows(schedule: Schedule, site_id: str | None, at: datetime) -> dict[str, Any]:
    """The shift running at `at` and the next one, as UTC times, by the site's change times."""
    zone = schedule.zone()
    local = at.astimezone(zone)
    changes = schedule.changes_at(site_id)
    # Every change from yesterday to the day after tomorrow: the running shift starts at the last one passed.
    edges = [datetime.combine(local.date() + timedelta(days=d), c, tzinfo=zone) for d in (-1, 0, 1, 2) for c in changes]
    i = max(k for k, e in enumerate(edges) if e <= local)
    window = lambda k: {"starts_at": to_rfc3339(edges[k]), "ends_at": to_rfc3339(edges[k + 1]),  # noqa: E731
                        "label": f"{edges[k].strftime('%H:%M')}–{edges[k + 1].strftime('%H:%M')}"}
    return {"site_id": site_id, "time_zone": schedule.company_tz, "changes": [c.strftime("%H:%M") for c in changes],
            "current": window(i), "next": window(i + 1),
            "office_hours": {"opens": schedule.office_opens.strftime("%H:%M"), "closes": schedule.office_closes.strftime("%H:%M"),
                             "open_now": schedule.in_office_hours(at)}}


def require_guard_may_dispatch(tx: Any, actor: Any, site_id: str, occurred_at: datetime) -> None:
    """After office hours the service line is the monitoring room's (DOMAIN.md): a guard on duty at the
    order's site dispatches like the service centre. Judged at the time the step happened, so an offline
    dispatch replayed in the morning is judged by the night it was made in."""
    from server.errors import Forbidden

    at = to_rfc3339(occurred_at)
    on_duty = tx.one("SELECT 1 AS x FROM shifts WHERE user_id = ? AND site_id = ? AND started_at <= ? AND (ended_at IS NULL OR ended_at > ?)",
                     (actor.id, site_id, at, at))
    if on_duty is None:
        raise Forbidden("only a guard on duty at the order's site may dispatch it", code="not_on_duty")
    schedule = schedule_in(tx)
    if schedule.in_office_hours(occurred_at):
        hours = f"{schedule.office_opens.strftime('%H:%M')}–{schedule.office_closes.strftime('%H:%M')}"
        raise Forbidden(f"during office hours ({hours}) the service centre dispatches", code="office_hours")
