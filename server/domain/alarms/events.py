"""Normalized sensor events: what every adapter turns a device payload into.

Wire-format rule: new fields get defaults; existing field types never change.
"""

from __future__ import annotations

import hashlib
from typing import Literal

import msgspec

from server.domain.system_texts import SystemText
from server.errors import Invalid

__all__ = ["EventKind", "SOURCES", "Source", "SensorEvent", "PayloadRejected", "message_identity"]

EventKind = Literal[
    "water_leak", "smoke", "fire", "gas", "carbon_monoxide", "panel_trouble", "tamper", "low_battery", "heartbeat",
    "availability", "unrecognized",
]
# Where a sensor's messages come from: one MQTT adapter family each (iot/adapters).
SOURCES = ("native", "zigbee2mqtt", "shelly")
Source = Literal[SOURCES]  # type: ignore[valid-type]

class SensorEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One fact a device reported, in our terms; alarm rules consume these."""

    source: Source
    device: str
    """Device id (native), friendly name (zigbee2mqtt) or Shelly id / topic prefix (shelly)."""
    kind: EventKind
    active: bool
    """For alarm kinds: alarm on/off. For `availability`: True = online."""
    message_id: str
    """Identity of the message that carried the event, so a redelivery is recognized (dedupe)."""
    site_id: str | None = None
    """Only when the topic carries it (native); otherwise the device registry places the device."""
    zone: str | None = None
    ts: str | None = None
    """Device-side time as the device sent it (RFC 3339 or epoch seconds as text); None if absent."""
    seq: int | None = None
    battery: int | None = None
    """Battery percent 0-100 when the payload reports it."""
    detail: str | None = None
    """For `unrecognized`: what the adapter could not place (the alarm-like keys it does not know, comma-separated)."""


class PayloadRejected(Invalid):
    """A payload no adapter can understand; the bridge stores it as a dead letter with this reason: `said`, a
    system text (server/domain/system_texts.py) supervisors read in their language, and its English as `reason`."""

    code = "payload_rejected"

    def __init__(self, code: str, **args: object) -> None:
        self.said = SystemText(code, {k: (v if isinstance(v, (int, float)) or v is None else str(v)) for k, v in args.items()})
        self.reason = self.said.english()
        super().__init__(self.reason)


def message_identity(source: str, topic: str, payload: bytes, seq: int | None = None, ts: str | None = None) -> str:
    """A stable id for one message: device sequence or time if it sent one, else a content hash.

    A content hash makes a broker redelivery (same bytes) recognizable; a device that repeats the
    same state gets the same id, which alarm rules treat as a repeat anyway.
    """
    if seq is not None:
        return f"{source}:{topic}:seq:{seq}"
    if ts is not None:
        return f"{source}:{topic}:ts:{ts}"
    digest = hashlib.sha256(topic.encode() + b"\0" + payload).hexdigest()[:24]
    return f"{source}:{digest}"
