"""Zigbee2MQTT 2.x: device state on `zigbee2mqtt/{friendly_name}` and JSON availability.

Friendly names may contain `/`; commands (`/set`, `/get`) and `zigbee2mqtt/bridge/...` are not device state.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from iot.adapters._payload import battery_percent, decode_json, valid_id
from server.domain.alarms.events import PayloadRejected, SensorEvent, message_identity

TOPIC_FILTERS = ("zigbee2mqtt/#",)

_COMMAND_SUFFIXES = ("set", "get")


class DeviceState(msgspec.Struct, frozen=True):
    """The keys we read from a state message; devices send many more, which are ignored."""

    water_leak: bool | None = None
    smoke: bool | None = None
    gas: bool | None = None
    carbon_monoxide: bool | None = None
    tamper: bool | None = None
    battery_low: bool | None = None
    battery: Annotated[float, msgspec.Meta(ge=0, le=100)] | None = None


class Availability(msgspec.Struct, frozen=True):
    state: Literal["online", "offline"]


_state_decoder = msgspec.json.Decoder(DeviceState)
# The same payload read loosely, to find alarm-like keys we do not know yet.
_keys_decoder = msgspec.json.Decoder(dict[str, object])
_availability_decoder = msgspec.json.Decoder(Availability)

# State key → our event kind, in the order events are emitted.
_ALARM_KEYS = (("water_leak", "water_leak"), ("smoke", "smoke"), ("gas", "gas"), ("carbon_monoxide", "carbon_monoxide"),
               ("tamper", "tamper"), ("battery_low", "low_battery"))
# Boolean keys Zigbee2MQTT devices send as plain state or settings, never as an alarm. Any other key that
# is `true` may be an alarm of a device type we do not know (a vibration sensor, a siren's `alarm`):
# it is kept as a dead letter supervisors see, so a new device type is noticed on its first message
# instead of passing as a heartbeat.
_TELEMETRY_FLAGS = frozenset({
    "contact", "occupancy", "presence", "update_available", "led_indication", "child_lock", "power_outage_memory",
    "heartbeat_indicator", "buzzer", "silence", "test", "reverse", "calibration", "auto_off", "state", "enrolled",
    "restore_reports", "supervision_reports",
    "battery_low",  # read above as low_battery
})


def adapt_zigbee2mqtt(topic: str, payload: bytes) -> list[SensorEvent]:
    """Read a device state or availability message; bridge topics and commands yield nothing."""
    parts = topic.split("/")
    if parts[0] != "zigbee2mqtt" or len(parts) < 2:
        raise PayloadRejected("topic_mismatch", source="zigbee2mqtt", topic=topic[:128])
    if parts[1] == "bridge" or parts[-1] in _COMMAND_SUFFIXES or (len(parts) > 2 and parts[-2] in _COMMAND_SUFFIXES):
        return []
    if parts[-1] == "availability" and len(parts) > 2:
        name = _friendly_name(parts[1:-1])
        state = decode_json(payload, _availability_decoder)
        return [
            SensorEvent(
                source="zigbee2mqtt",
                device=name,
                kind="availability",
                active=state.state == "online",
                message_id=message_identity("zigbee2mqtt", topic, payload),
            )
        ]
    name = _friendly_name(parts[1:])
    state = decode_json(payload, _state_decoder)
    identity = message_identity("zigbee2mqtt", topic, payload)
    battery = battery_percent(state.battery)
    events = [
        SensorEvent(
            source="zigbee2mqtt", device=name, kind=kind, active=value, battery=battery, message_id=identity
        )
        for key, kind in _ALARM_KEYS
        if (value := getattr(state, key)) is not None
    ]
    unknown = _unknown_alarm_keys(payload)
    if unknown:
        events.append(SensorEvent(source="zigbee2mqtt", device=name, kind="unrecognized", active=True, battery=battery,
                                  message_id=identity, detail=", ".join(unknown)))
    if not events:
        # A state message with no alarm keys (e.g. only linkquality) still proves the device is alive.
        events.append(
            SensorEvent(
                source="zigbee2mqtt", device=name, kind="heartbeat", active=True, battery=battery, message_id=identity
            )
        )
    return events


def _unknown_alarm_keys(payload: bytes) -> list[str]:
    known = {key for key, _ in _ALARM_KEYS} | _TELEMETRY_FLAGS
    state = _keys_decoder.decode(payload)
    return sorted(key[:64] for key, value in state.items() if value is True and key not in known)[:10]


def _friendly_name(segments: list[str]) -> str:
    for segment in segments:
        valid_id(segment, "friendly name segment")
    return "/".join(segments)
