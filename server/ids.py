"""Object ids a client may make offline: UUIDv7 or ULID text, validated at the boundary.

The server makes UUIDv7 too, so ids sort by creation time whoever made them.
"""

from __future__ import annotations

import os
import re
import time
import uuid

from server.errors import Invalid

# Matched with fullmatch: `^...$` with match() lets "id\n" through (`$` matches before a final newline).
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ULID = re.compile(r"[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}")
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The same rules as schema patterns (msgspec tests them with re.search: anchored, `\Z` not `$`).
OBJECT_ID_PATTERN = rf"^({_UUID.pattern}|{_ULID.pattern})\Z"
SLUG_PATTERN = rf"^{_SLUG.pattern}\Z"


def new_id() -> str:
    """A UUIDv7: 48 bits of Unix milliseconds, then randomness (RFC 9562)."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def check_object_id(value: str, field: str = "id") -> str:
    if not isinstance(value, str) or not (_UUID.fullmatch(value) or _ULID.fullmatch(value)):
        raise Invalid(f"{field} must be a UUID (v7 preferred) or a ULID", code="invalid_id")
    return value.lower() if _UUID.fullmatch(value) else value.upper()


def check_slug(value: str, field: str = "id") -> str:
    """Site, device and user-facing ids: letters, digits, `_` and `-` (they appear in MQTT topics)."""
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise Invalid(f"{field} must be 1-64 characters of A-Z a-z 0-9 _ -", code="invalid_id")
    return value
