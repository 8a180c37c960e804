"""Our own sensor schema: `fieldops/{site_id}/{device_id}/event` and retained `/status`.

CONTRACT.md "Sensors (MQTT)" is the binding definition of the payload.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from iot.adapters._payload import checked_text, decode_json, valid_id
from server.domain.alarms.events import PayloadRejected, SensorEvent, message_identity

TOPIC_FILTERS = ("fieldops/+/+/event", "fieldops/+/+/status")

Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]


class NativeEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    kind: Literal["water_leak", "smoke", "fire", "gas", "carbon_monoxide", "panel_trouble", "tamper", "low_battery", "heartbeat"]
    active: bool
    zone: Annotated[str, msgspec.Meta(max_length=128)] | None = None
    ts: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    seq: Annotated[int, msgspec.Meta(ge=0)] | None = None
    battery: Percent | None = None


_decoder = msgspec.json.Decoder(NativeEvent)


def adapt_native(topic: str, payload: bytes) -> list[SensorEvent]:
    """Read a native event or a status (last will) message."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "fieldops" or parts[3] not in ("event", "status"):
        raise PayloadRejected("topic_mismatch", source="native", topic=topic[:128])
    site_id = valid_id(parts[1], "site id")
    device = valid_id(parts[2], "device id")
    if parts[3] == "status":
        return _status(topic, payload, site_id, device)
    event = decode_json(payload, _decoder)
    return [
        SensorEvent(
            source="native",
            device=device,
            site_id=site_id,
            kind=event.kind,
            active=event.active,
            zone=event.zone,
            ts=event.ts,
            seq=event.seq,
            battery=event.battery,
            message_id=message_identity("native", topic, payload, seq=event.seq, ts=event.ts),
        )
    ]


def _status(topic: str, payload: bytes, site_id: str, device: str) -> list[SensorEvent]:
    text = checked_text(payload).strip()
    if text == "":
        # An empty retained message only clears the broker's retained slot; it says nothing.
        return []
    if text not in ("online", "offline"):
        raise PayloadRejected("status_invalid", value=repr(text[:32]))
    return [
        SensorEvent(
            source="native",
            device=device,
            site_id=site_id,
            kind="availability",
            active=text == "online",
            message_id=message_identity("native", topic, payload),
        )
    ]
