"""Shelly Flood: Gen1 `shellies/{id}/...` plain values and Gen2+ `{prefix}/status/flood:0` and RPC events.

Gen2+ prefixes default to the device id; we support single-segment prefixes (MQTT `+`).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from iot.adapters._payload import battery_percent, decode_json, valid_id
from server.domain.alarms.events import PayloadRejected, SensorEvent, message_identity

GEN1_TOPIC_FILTERS = ("shellies/#",)
GEN2_TOPIC_FILTERS = ("+/status/flood:0", "+/events/rpc", "+/online")


class FloodStatus(msgspec.Struct, frozen=True):
    """Gen2+ `Flood.GetStatus` shape; NotifyStatus may carry only the changed keys."""

    id: int = 0
    alarm: bool | None = None
    mute: bool | None = None


class BatteryStatus(msgspec.Struct, frozen=True):
    percent: Annotated[float, msgspec.Meta(ge=0, le=100)] | None = None


class DevicePower(msgspec.Struct, frozen=True):
    battery: BatteryStatus | None = None


class RpcFrame(msgspec.Struct, frozen=True):
    """A Gen2+ notification frame: {"src", "dst", "method", "params": {"ts", "<component>:<id>": {...}}}."""

    method: str
    src: str | None = None
    params: dict[str, Any] = {}


_flood_decoder = msgspec.json.Decoder(FloodStatus)
_rpc_decoder = msgspec.json.Decoder(RpcFrame)
_gen1_value_decoder = msgspec.json.Decoder(bool)
_percent_decoder = msgspec.json.Decoder(Annotated[float, msgspec.Meta(ge=0, le=100)])


def adapt_shelly_gen1(topic: str, payload: bytes) -> list[SensorEvent]:
    """Read `shellies/{id}/sensor/flood`, `/sensor/battery` and the `/online` last will."""
    parts = topic.split("/")
    if parts[0] != "shellies":
        raise PayloadRejected("topic_mismatch", source="Shelly Gen1", topic=topic[:128])
    if len(parts) < 3 or parts[1] in ("announce", "command"):
        return []
    device = valid_id(parts[1], "device id")
    rest = "/".join(parts[2:])
    if rest == "sensor/flood":
        flooded = decode_json(payload, _gen1_value_decoder)
        return [_event(device, "water_leak", flooded, topic, payload)]
    if rest == "online":
        online = decode_json(payload, _gen1_value_decoder)
        return [_event(device, "availability", online, topic, payload)]
    if rest == "sensor/battery":
        percent = decode_json(payload, _percent_decoder)
        return [_event(device, "heartbeat", True, topic, payload, battery=battery_percent(percent))]
    # temperature, act_reasons, announce, info...: not alarm state.
    return []


def adapt_shelly_gen2(topic: str, payload: bytes) -> list[SensorEvent]:
    """Read `{prefix}/status/flood:0`, `{prefix}/online` and NotifyStatus on `{prefix}/events/rpc`."""
    parts = topic.split("/")
    if len(parts) < 2:
        raise PayloadRejected("topic_mismatch", source="Shelly Gen2", topic=topic[:128])
    device = valid_id(parts[0], "device id")
    rest = "/".join(parts[1:])
    if rest == "status/flood:0":
        status = decode_json(payload, _flood_decoder)
        if status.alarm is None:
            raise PayloadRejected("flood_without_alarm")
        return [_event(device, "water_leak", status.alarm, topic, payload)]
    if rest == "online":
        return [_event(device, "availability", decode_json(payload, _gen1_value_decoder), topic, payload)]
    if rest == "events/rpc":
        return _notification(device, topic, payload)
    raise PayloadRejected("topic_mismatch", source="Shelly Gen2 flood", topic=topic[:128])


def _notification(device: str, topic: str, payload: bytes) -> list[SensorEvent]:
    frame = decode_json(payload, _rpc_decoder)
    if frame.method != "NotifyStatus":
        # NotifyEvent / NotifyFullStatus carry no flood state change we act on.
        return []
    ts = frame.params.get("ts")
    ts_text = None if ts is None else str(ts)
    battery = None
    power = frame.params.get("devicepower:0")
    if power is not None:
        battery_status = _convert(power, DevicePower).battery
        battery = battery_percent(battery_status.percent) if battery_status else None
    flood = frame.params.get("flood:0")
    if flood is None:
        if battery is None:
            return []
        return [_event(device, "heartbeat", True, topic, payload, ts=ts_text, battery=battery)]
    status = _convert(flood, FloodStatus)
    if status.alarm is None:
        return []  # e.g. only `mute` changed
    return [_event(device, "water_leak", status.alarm, topic, payload, ts=ts_text, battery=battery)]


def _convert(value: Any, type_: type):
    try:
        return msgspec.convert(value, type_)
    except msgspec.ValidationError as exc:
        raise PayloadRejected("shelly_status_unreadable", detail=exc) from None


def _event(device, kind, active, topic, payload, ts=None, battery=None) -> SensorEvent:
    return SensorEvent(
        source="shelly",
        device=device,
        kind=kind,
        active=active,
        ts=ts,
        battery=battery,
        message_id=message_identity("shelly", topic, payload, ts=ts),
    )
