"""Adapters read the payloads real devices publish and reject garbage with a reason.

No broker here: adapters are pure functions of (topic, payload).
"""

import json

import pytest

from iot.adapters import ADAPTERS, MAX_PAYLOAD_BYTES, adapt, topic_filters
from server.domain.alarms.events import PayloadRejected

AQARA_SJCGQ11LM = b'{"battery":100,"battery_low":false,"device_temperature":25,"power_outage_count":3,"voltage":3005,"water_leak":true}'
HEIMAN_HS1SA = b'{"battery":96.5,"linkquality":92,"enrolled":true,"smoke":true,"battery_low":false}'
SHELLY_GEN2_NOTIFY = json.dumps(
    {
        "src": "shellyflood-a0b1c2",
        "dst": "shellyflood-a0b1c2/events",
        "method": "NotifyStatus",
        "params": {"ts": 1732370000.52, "flood:0": {"id": 0, "alarm": True}},
    }
).encode()


def kinds(events):
    return {(e.kind, e.active) for e in events}


def test_a_native_leak_event_carries_site_device_zone_seq_and_battery():
    [event] = adapt(
        "fieldops/site-1/leak-7/event",
        b'{"kind":"water_leak","active":true,"zone":"pump room","ts":"2026-11-23T03:00:00Z","seq":42,"battery":80}',
    )
    assert (event.source, event.site_id, event.device, event.kind, event.active) == (
        "native", "site-1", "leak-7", "water_leak", True
    )
    assert (event.zone, event.seq, event.battery, event.ts) == ("pump room", 42, 80, "2026-11-23T03:00:00Z")
    assert "42" in event.message_id


def test_a_native_redelivery_has_the_same_message_identity_and_a_new_seq_does_not():
    first = adapt("fieldops/s/d/event", b'{"kind":"smoke","active":true,"seq":1}')[0]
    again = adapt("fieldops/s/d/event", b'{"kind":"smoke","active":true,"seq":1}')[0]
    later = adapt("fieldops/s/d/event", b'{"kind":"smoke","active":true,"seq":2}')[0]
    assert first.message_id == again.message_id != later.message_id


def test_a_native_last_will_becomes_an_availability_event_and_an_empty_retained_clear_is_ignored():
    [offline] = adapt("fieldops/s1/d1/status", b"offline")
    assert (offline.kind, offline.active, offline.site_id) == ("availability", False, "s1")
    assert adapt("fieldops/s1/d1/status", b"online")[0].active is True
    assert adapt("fieldops/s1/d1/status", b"") == []


def test_an_aqara_leak_sensor_state_raises_a_water_leak_with_battery():
    events = adapt("zigbee2mqtt/basement/pump-room/leak", AQARA_SJCGQ11LM)
    assert kinds(events) == {("water_leak", True), ("low_battery", False)}
    assert {e.device for e in events} == {"basement/pump-room/leak"}
    assert {e.battery for e in events} == {100}
    assert events[0].site_id is None


def test_a_heiman_smoke_detector_state_raises_smoke_with_rounded_battery():
    events = adapt("zigbee2mqtt/hs1sa_lobby", HEIMAN_HS1SA)
    assert kinds(events) == {("smoke", True), ("low_battery", False)}
    assert {e.battery for e in events} == {96} or {e.battery for e in events} == {97}


def test_a_zigbee_state_without_alarm_keys_is_a_heartbeat():
    [event] = adapt("zigbee2mqtt/plug", b'{"linkquality":80}')
    assert (event.kind, event.active) == ("heartbeat", True)


def test_zigbee_availability_json_becomes_availability():
    [event] = adapt("zigbee2mqtt/floor/leak/availability", b'{"state":"offline"}')
    assert (event.device, event.kind, event.active) == ("floor/leak", "availability", False)


@pytest.mark.parametrize(
    "topic",
    ["zigbee2mqtt/bridge/state", "zigbee2mqtt/bridge/devices", "zigbee2mqtt/leak/set", "zigbee2mqtt/leak/get",
     "zigbee2mqtt/a/b/set", "zigbee2mqtt/leak/set/state"],
)
def test_zigbee_commands_and_bridge_topics_are_ignored_not_rejected(topic):
    assert adapt(topic, b'{"state":"online","water_leak":true}') == []


def test_shelly_gen1_flood_and_last_will():
    assert kinds(adapt("shellies/shellyflood-1A2B3C/sensor/flood", b"true")) == {("water_leak", True)}
    assert kinds(adapt("shellies/shellyflood-1A2B3C/sensor/flood", b"false")) == {("water_leak", False)}
    assert kinds(adapt("shellies/shellyflood-1A2B3C/online", b"false")) == {("availability", False)}
    [battery] = adapt("shellies/shellyflood-1A2B3C/sensor/battery", b"87")
    assert (battery.kind, battery.battery) == ("heartbeat", 87)
    assert adapt("shellies/shellyflood-1A2B3C/sensor/temperature", b"21.5") == []
    assert adapt("shellies/announce", b'{"id":"x"}') == []


def test_shelly_gen2_flood_status_and_notify_status():
    [status] = adapt("shellyflood-a0b1c2/status/flood:0", b'{"id":0,"alarm":true,"mute":false}')
    assert (status.source, status.device, status.kind, status.active) == ("shelly", "shellyflood-a0b1c2", "water_leak", True)
    [notified] = adapt("shellyflood-a0b1c2/events/rpc", SHELLY_GEN2_NOTIFY)
    assert (notified.kind, notified.active, notified.ts) == ("water_leak", True, "1732370000.52")
    assert kinds(adapt("shellyflood-a0b1c2/online", b"false")) == {("availability", False)}


def test_shelly_gen2_notifications_without_flood_state_yield_nothing_or_battery():
    mute_only = b'{"src":"x","method":"NotifyStatus","params":{"ts":1.0,"flood:0":{"id":0,"mute":true}}}'
    assert adapt("shellyflood-a0b1c2/events/rpc", mute_only) == []
    event = b'{"src":"x","method":"NotifyEvent","params":{"ts":1.0,"events":[{"component":"flood:0","event":"alarm"}]}}'
    assert adapt("shellyflood-a0b1c2/events/rpc", event) == []
    power = b'{"src":"x","method":"NotifyStatus","params":{"ts":2.0,"devicepower:0":{"id":0,"battery":{"V":2.9,"percent":31}}}}'
    [heartbeat] = adapt("shellyflood-a0b1c2/events/rpc", power)
    assert (heartbeat.kind, heartbeat.battery) == ("heartbeat", 31)


GARBAGE = [
    ("fieldops/s/d/event", b"{not json"),
    ("fieldops/s/d/event", b'{"kind":"earthquake","active":true}'),
    ("fieldops/s/d/event", b'{"kind":"smoke","active":"yes"}'),
    ("fieldops/s/d/event", b'{"kind":"smoke","active":true,"battery":250}'),
    ("fieldops/s/d/event", b'["smoke"]'),
    ("fieldops/s/d/event", b"\xff\xfe\x00garbage"),
    ("fieldops/s/d/event", b'{"kind":"smoke","active":true,"zone":"' + b"x" * MAX_PAYLOAD_BYTES + b'"}'),
    ("fieldops/s/d/status", b"maybe"),
    ("fieldops/bad site/d/event", b'{"kind":"smoke","active":true}'),
    ("zigbee2mqtt/leak", b'{"water_leak":"true"}'),
    ("zigbee2mqtt/leak", b"null"),
    ("zigbee2mqtt/leak", b""),
    ("zigbee2mqtt/leak/availability", b"online"),
    ("zigbee2mqtt/bad name!", b'{"water_leak":true}'),
    ("shellies/shellyflood-1/sensor/flood", b"wet"),
    ("shellyflood-1/status/flood:0", b'{"id":0,"alarm":1}'),
    ("shellyflood-1/events/rpc", b'{"method":"NotifyStatus","params":{"flood:0":{"alarm":"on"}}}'),
    ("shellyflood-1/events/rpc", b'{"params":{}}'),
    ("somewhere/else", b"{}"),
]


@pytest.mark.parametrize("topic,payload", GARBAGE)
def test_garbage_is_rejected_with_a_reason(topic, payload):
    with pytest.raises(PayloadRejected) as raised:
        adapt(topic, payload)
    assert raised.value.reason
    assert raised.value.code == "payload_rejected"


def test_every_adapter_is_listed_once_in_the_registry_with_its_topics():
    assert [a.name for a in ADAPTERS] == ["native", "zigbee2mqtt", "shelly_gen1", "shelly_gen2"]
    assert "fieldops/+/+/event" in topic_filters() and "zigbee2mqtt/#" in topic_filters()


def test_a_zigbee_gas_detector_and_a_co_detector_raise_their_own_kinds():
    assert kinds(adapt("zigbee2mqtt/kitchen/gas", b'{"gas": true, "battery": 90}')) == {("gas", True)}
    assert kinds(adapt("zigbee2mqtt/boiler/co", b'{"carbon_monoxide": true}')) == {("carbon_monoxide", True)}


def test_the_native_schema_takes_gas_and_carbon_monoxide():
    assert kinds(adapt("fieldops/s/d/event", b'{"kind":"gas","active":true}')) == {("gas", True)}
    assert kinds(adapt("fieldops/s/d/event", b'{"kind":"carbon_monoxide","active":true}')) == {("carbon_monoxide", True)}


def test_an_alarm_like_key_the_adapter_does_not_know_is_never_a_silent_heartbeat():
    events = adapt("zigbee2mqtt/b2/vibration", b'{"vibration": true, "linkquality": 40}')
    assert [(e.kind, e.detail) for e in events] == [("unrecognized", "vibration")]
    # known alarm keys in the same message are still read
    mixed = adapt("zigbee2mqtt/b2/leak", b'{"water_leak": true, "alarm": true}')
    assert kinds(mixed) == {("water_leak", True), ("unrecognized", True)}
    # plain telemetry flags are not alarms
    assert kinds(adapt("zigbee2mqtt/door", b'{"contact": true, "battery_low": false}')) == {("low_battery", False)}
