"""The short number people read and say for a work order: the last 6 letters/digits of its id, upper case.

Ids are UUIDv7 or ULID, made offline by any device, so a per-site counter would need the server first;
their tails are random (UUIDv7: 62 random bits, ULID: 80), so 6 characters tell a month's orders apart
(for hex ids, about a 1 in 100 chance of one clash among 600 orders) and every device derives the same number with no
round trip. The PWA computes it the same way (pwa/js/order-number.js); screens that list orders show
the title beside it, and the full id stays in the API, the CSV and the receipt.
"""

from __future__ import annotations

import re

SHORT_LENGTH = 6
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def order_number(work_order_id: str) -> str:
    """'0190f2a4-7b1c-7000-8000-00000000b003' -> '00B003'."""
    return _NOT_ALNUM.sub("", work_order_id)[-SHORT_LENGTH:].upper()
