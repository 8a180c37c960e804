"""Time on the wire: RFC 3339 UTC strings ending in `Z`, microsecond precision, sortable as text.

One clock function (`now`) so tests and sync replay agree on how times are made.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

import msgspec

from server.errors import Invalid

# The times we accept on the wire. The floor is the Unix epoch because that is where a device whose
# clock lost power restarts (its steps are then corrected by the push's clock offset, sync/clock_offset.py);
# the ceiling leaves any real promise or schedule far inside. Outside this window datetime arithmetic
# with an offset overflows (year 1, year 9999) and four-digit text order no longer holds.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
# RFC 3339 with fractions and an offset is under 40 characters; longer text is not a time.
MAX_TIME_TEXT = 64

# The times parse_rfc3339 takes, as a schema pattern: RFC 3339 with a time zone and real calendar days, 1970 to 2199.
# The first and last years only in UTC (`Z`, as devices send them), so no offset moves a time out of the window.
_YEAR = r"(197[1-9]|19[89][0-9]|20[0-9][0-9]|21[0-8][0-9]|219[0-8])"
_LEAP_YEAR = r"(19(7[26]|8[048]|9[26])|20([02468][048]|[13579][26])|21(0[48]|[2468][048]|[13579][26]))"
_MONTH_DAY = r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
_CLOCK = r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
_ZONE = r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
RFC3339_PATTERN = rf"^(({_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29){_CLOCK}{_ZONE}|(1970|2199)-{_MONTH_DAY}{_CLOCK}[Zz])\Z"
# A calendar day (company days), real days only, within the same years.
DATE_PATTERN = rf"^(({_YEAR}|1970|2199)-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)\Z"
WireTime = Annotated[str, msgspec.Meta(pattern=RFC3339_PATTERN, max_length=40, description="RFC 3339 with a time zone, e.g. 2026-11-23T09:30:00Z")]


def now() -> datetime:
    return datetime.now(timezone.utc)


def to_rfc3339(moment: datetime) -> str:
    """Fixed-width UTC text (four-digit year, microseconds), so stored times sort as text."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond:06d}Z"


def parse_rfc3339(text: str, field: str = "time") -> datetime:
    """A wire time as an aware UTC datetime; anything else, or a time outside [EARLIEST, LATEST), is 422."""
    if not isinstance(text, str) or len(text) > MAX_TIME_TEXT:
        raise Invalid(f"{field} is not an RFC 3339 time", code="invalid_time")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):
        raise Invalid(f"{field} is not an RFC 3339 time: {text!r}", code="invalid_time") from None
    if moment.tzinfo is None:
        raise Invalid(f"{field} has no time zone: {text!r}", code="invalid_time")
    try:
        moment = moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):  # year 1 with a positive offset, year 9999 with a negative one
        raise Invalid(f"{field} is out of range: {text!r}", code="invalid_time") from None
    if not EARLIEST <= moment < LATEST:
        raise Invalid(f"{field} must be between {EARLIEST.year} and {LATEST.year}: {text!r}", code="invalid_time")
    return moment


def now_text() -> str:
    return to_rfc3339(now())


def seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (parse_rfc3339(end) - parse_rfc3339(start)).total_seconds()
