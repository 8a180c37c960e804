"""The month a report covers: `YYYY-MM` in the company's time zone (FIELDOPS_COMPANY_TZ), as a UTC interval.

A job recorded at 00:30 on 1 March Beijing time is March's, though it is still February in UTC.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from server.clock import to_rfc3339
from server.errors import Invalid

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# The months a report may cover. Before 2000 no order of this product can exist (its ids and
# clocks are 21st-century), and year 0 / 9999 would step outside what datetime can hold once the
# zone offset is applied (the 5xx this bound replaces); 2100 leaves room for any plan without
# letting a typo ask the database about the year 9999.
FIRST_MONTH, LAST_MONTH = "2000-01", "2100-12"
# The months a report can cover, as a schema pattern (the same rule as _MONTH and the range above).
MONTH_PATTERN = r"^(20[0-9][0-9]|2100)-(0[1-9]|1[0-2])\Z"


class MonthWindow(msgspec.Struct, frozen=True):
    month: str
    time_zone: str
    start: str  # RFC 3339 UTC, inclusive
    end: str  # RFC 3339 UTC, exclusive

    def contains(self, moment: str | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def month_window(month: str, time_zone: str) -> MonthWindow:
    found = _MONTH.fullmatch(month or "")  # not match(): `$` would accept "2026-01\n"
    if found is None:
        raise Invalid(f"month must be YYYY-MM, not {month!r}", code="invalid_month")
    if not FIRST_MONTH <= month <= LAST_MONTH:
        raise Invalid(f"month must be between {FIRST_MONTH} and {LAST_MONTH}, not {month}", code="month_out_of_range",
                      first=FIRST_MONTH, last=LAST_MONTH)
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {time_zone!r} (FIELDOPS_COMPANY_TZ)", code="invalid_time_zone") from None
    year, number = int(found.group(1)), int(found.group(2))
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return MonthWindow(month, time_zone, to_rfc3339(start), to_rfc3339(end))
