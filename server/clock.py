"""Time on the wire: RFC 3339 UTC strings ending in `Z`, microsecond precision, sortable as text.

One clock function (`now`) so tests and sync replay agree on how times are made.
"""

from __future__ import annotations

from datetime import datetime, timezone

from server.errors import Invalid


def now() -> datetime:
    return datetime.now(timezone.utc)


def to_rfc3339(moment: datetime) -> str:
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str, field: str = "time") -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise Invalid(f"{field} is not an RFC 3339 time: {text!r}", code="invalid_time") from None
    if moment.tzinfo is None:
        raise Invalid(f"{field} has no time zone: {text!r}", code="invalid_time")
    return moment.astimezone(timezone.utc)


def now_text() -> str:
    return to_rfc3339(now())


def seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (parse_rfc3339(end) - parse_rfc3339(start)).total_seconds()
