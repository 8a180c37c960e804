"""Time on the wire: RFC 3339 UTC strings ending in `Z`, microsecond precision, sortable as text.

One clock function (`now`) so tests and sync replay agree on how times are made.
"""

from __future__ import annotations

from datetime import datetime, timezone

from server.errors import Invalid

# The times we accept on the wire. The floor is the Unix epoch because that is where a device whose
# clock lost power restarts (its steps are then corrected by the push's clock offset, sync/clock_offset.py);
# the ceiling leaves any real promise or schedule far inside. Outside this window datetime arithmetic
# with an offset overflows (year 1, year 9999) and four-digit text order no longer holds.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
# RFC 3339 with fractions and an offset is under 40 characters; longer text is not a time.
MAX_TIME_TEXT = 64


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
