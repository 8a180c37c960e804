"""The company's working calendar: which days are working days, and when N working days from a moment end.

A day is a working day by, first, the company's own entries (`company_days`: a closure, or an extra working
day), then the People's Republic of China's statutory holidays and make-up working days (调休) from the
`chinesecalendar` package, then, for years that package does not know yet, weekends and the fixed-date holidays
(logged once per year; `covers(year)` says so) until the package is updated or the office enters the days.

Times are counted in the company's time zone with its working hours: a target of N working days started
outside working hours starts at the next opening, and is due at that time of day N working days later.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Mapping
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as statutory

log = logging.getLogger("fieldops.calendar")

# The years the installed chinesecalendar release has the State Council's notices for (1.11.0: 2004–2026).
FIRST_YEAR = min(statutory.holidays).year
LAST_YEAR = max(max(statutory.holidays), max(statutory.workdays)).year
# A bound on how far a target may reach, so a huge working-day count cannot loop for long.
MAX_WORKING_DAYS = 366

# Past the covered years the holidays fixed by solar date in the State Council's rules (as amended in 2024) still
# hold: New Year's Day, 1–2 May, 1–3 October. The lunar ones and the make-up days need the year's notice.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})

_warned_years: set[int] = set()


@lru_cache(maxsize=8192)
def statutory_working_day(day: date) -> bool:
    """The national rule for one day: holidays off, make-up Saturdays/Sundays on; past the covered years,
    weekends and the fixed-date holidays only."""
    if FIRST_YEAR <= day.year <= LAST_YEAR:
        return bool(chinese_calendar.is_workday(day))
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        log.warning("chinesecalendar %s has no holidays for %d: weekends and the fixed-date holidays only,"
                    " until the package is updated (or the office enters the days as company days)", chinese_calendar.__version__, day.year)
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def uncovered_year(today: date, ahead_days: int = 60) -> int | None:
    """The first year from today to `ahead_days` on that the package does not cover (startup warns), else None."""
    for year in sorted({today.year, (today + timedelta(days=ahead_days)).year}):
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return year
    return None


class WorkCalendar:
    """Working days and hours in one time zone, with the company's own days (date → working?) on top."""

    def __init__(self, tz: str = "Asia/Shanghai", opens: time = time(8, 30), closes: time = time(17, 30),
                 company_days: Mapping[date, bool] | None = None) -> None:
        if closes <= opens:
            raise ValueError("working hours must open before they close")
        self.tz = ZoneInfo(tz)
        self.opens, self.closes = opens, closes
        self.company_days = dict(company_days or {})

    @staticmethod
    def covers(year: int) -> bool:
        """Whether the statutory holidays of `year` are known (else weekends stand in for them)."""
        return FIRST_YEAR <= year <= LAST_YEAR

    def is_working_day(self, day: date) -> bool:
        own = self.company_days.get(day)
        return statutory_working_day(day) if own is None else own

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for _ in range(MAX_WORKING_DAYS * 2):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within two years")

    def clock_start(self, moment: datetime) -> datetime:
        """When a working-day clock started at `moment` starts running: now in working hours, else the next opening."""
        local = moment.astimezone(self.tz)
        day, at = local.date(), local.timetz().replace(tzinfo=None)
        if self.is_working_day(day) and self.opens <= at < self.closes:
            return local
        if not (self.is_working_day(day) and at < self.opens):
            day = self.next_working_day(day)
        return datetime.combine(day, self.opens, tzinfo=self.tz)

    def add_working_days(self, moment: datetime, days: int) -> datetime:
        """The same time of day `days` working days after the clock starts (weekends, holidays and closures skipped)."""
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be 0–{MAX_WORKING_DAYS}")
        start = self.clock_start(moment)
        day = start.date()
        for _ in range(days):
            day = self.next_working_day(day)
        # Rebuilt as a wall-clock time of that day (China has no DST; other zones keep the local time of day).
        return datetime.combine(day, start.timetz().replace(tzinfo=None), tzinfo=self.tz)
