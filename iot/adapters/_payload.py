"""Checks every adapter applies to raw bytes and topic segments before reading them.

Kept private to the adapters package: one place decides what "too big" and "a valid id" mean.
"""

from __future__ import annotations

import re

import msgspec

from server.domain.alarms.events import PayloadRejected

# Real sensor payloads are a few hundred bytes; anything near this is garbage or abuse and is
# refused before JSON decoding so a flood of huge payloads cannot pin the bridge thread.
MAX_PAYLOAD_BYTES = 16 * 1024

_ID = re.compile(r"[A-Za-z0-9_-]+")


def valid_id(value: str, what: str) -> str:
    """Return `value` if it is a site/device id (`[A-Za-z0-9_-]+`), else reject the payload."""
    if not _ID.fullmatch(value):
        raise PayloadRejected("payload_invalid_id", what=what, value=repr(value[:64]))
    return value


def checked_text(payload: bytes) -> str:
    """The payload as text, refusing oversized and non-UTF-8 bytes."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadRejected("payload_too_large", bytes=len(payload), limit=MAX_PAYLOAD_BYTES)
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadRejected("payload_not_utf8", detail=f"{exc.reason} at byte {exc.start}") from None


def decode_json(payload: bytes, decoder: msgspec.json.Decoder):
    """Decode a JSON payload with a typed decoder, turning every failure into a rejection reason."""
    checked_text(payload)
    try:
        return decoder.decode(payload)
    except msgspec.DecodeError as exc:
        # msgspec.ValidationError is a DecodeError: wrong types land here with a path in the text.
        raise PayloadRejected("payload_not_json", detail=exc) from None


def battery_percent(value: float | None) -> int | None:
    """Battery as an integer percent; devices report floats such as 96.5."""
    return None if value is None else round(value)
