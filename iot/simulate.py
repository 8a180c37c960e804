"""Sensor simulator: publishes native, Zigbee2MQTT and Shelly messages, floods and garbage.

`simulate(...)` is what `fieldops simulate` and `python -m ops.simulate` call.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from typing import Literal

import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from iot.adapters import MAX_PAYLOAD_BYTES
from iot.mqtt_url import parse_mqtt_url

__all__ = ["Scenario", "SCENARIOS", "SimulatedMessage", "SimulationReport", "messages_for", "simulate"]

Scenario = Literal["native", "zigbee2mqtt", "shelly", "mixed", "garbage"]
SCENARIOS: tuple[Scenario, ...] = ("native", "zigbee2mqtt", "shelly", "mixed", "garbage")


class SimulatedMessage(msgspec.Struct, frozen=True):
    topic: str
    payload: bytes
    retain: bool = False


class SimulationReport(msgspec.Struct, frozen=True):
    published: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.published / self.seconds if self.seconds else 0.0


def _native(site: str, device: int, n: int, rng: random.Random) -> SimulatedMessage:
    kind = rng.choice(["water_leak", "smoke", "fire", "tamper", "low_battery", "heartbeat"])
    body = {"kind": kind, "active": n % 2 == 0, "zone": f"zone-{device % 5}", "seq": n, "battery": rng.randint(5, 100)}
    return SimulatedMessage(f"fieldops/{site}/sim-{device}/event", json.dumps(body).encode())


def _zigbee2mqtt(site: str, device: int, n: int, rng: random.Random) -> SimulatedMessage:
    if device % 2 == 0:  # Aqara SJCGQ11LM water leak sensor
        body = {"battery": rng.randint(5, 100), "battery_low": False, "device_temperature": 25,
                "power_outage_count": 3, "voltage": 3005, "water_leak": n % 2 == 0}
    else:  # Heiman HS1SA smoke detector
        body = {"battery": rng.randint(50, 1000) / 10, "linkquality": rng.randint(10, 255), "enrolled": True,
                "smoke": n % 2 == 0, "battery_low": False}
    return SimulatedMessage(f"zigbee2mqtt/{site}/sim-{device}", json.dumps(body).encode())


def _shelly(site: str, device: int, n: int, rng: random.Random) -> SimulatedMessage:
    alarm = n % 2 == 0
    if device % 2 == 0:  # Gen1
        return SimulatedMessage(f"shellies/shellyflood-sim{device}/sensor/flood", b"true" if alarm else b"false")
    frame = {"src": f"shellyflood-sim{device}", "dst": f"shellyflood-sim{device}/events", "method": "NotifyStatus",
             "params": {"ts": round(time.time(), 2), "flood:0": {"id": 0, "alarm": alarm}}}
    return SimulatedMessage(f"shellyflood-sim{device}/events/rpc", json.dumps(frame).encode())


_GARBAGE = (
    lambda rng: b"{not json",
    lambda rng: bytes(rng.randrange(256) for _ in range(32)),
    lambda rng: b'{"kind":"meteor","active":true}',
    lambda rng: b'{"kind":"smoke","active":"yes"}',
    lambda rng: b"x" * (MAX_PAYLOAD_BYTES + 1),
)


def _garbage(site: str, device: int, n: int, rng: random.Random) -> SimulatedMessage:
    return SimulatedMessage(f"fieldops/{site}/sim-{device}/event", _GARBAGE[n % len(_GARBAGE)](rng))


_MAKERS = {"native": _native, "zigbee2mqtt": _zigbee2mqtt, "shelly": _shelly, "garbage": _garbage}


def messages_for(
    scenario: Scenario, devices: int, messages: int, site: str = "demo", seed: int = 0
) -> Iterator[SimulatedMessage]:
    """`messages` messages spread round-robin over `devices` devices; `mixed` rotates the sources."""
    rng = random.Random(seed)
    sources = ("native", "zigbee2mqtt", "shelly") if scenario == "mixed" else (scenario,)
    for n in range(messages):
        device = n % devices
        yield _MAKERS[sources[n % len(sources)]](site, device, n // devices, rng)


def simulate(
    url: str,
    scenario: Scenario = "mixed",
    *,
    devices: int = 10,
    messages: int = 100,
    rate: float = 0.0,
    site: str = "demo",
    seed: int = 0,
) -> SimulationReport:
    """Publish the scenario with QoS 1; `rate` messages/second (0 = as fast as the broker takes them)."""
    address = parse_mqtt_url(url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"fieldops-simulator-{random.randrange(1 << 30)}",
        protocol=mqtt.MQTTv5 if address.protocol == "5" else mqtt.MQTTv311,
    )
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set(ca_certs=address.ca_file)
    client.connect(address.host, address.port)
    client.loop_start()
    started = time.monotonic()
    try:
        infos = []
        for n, message in enumerate(messages_for(scenario, devices, messages, site, seed)):
            if rate > 0:
                delay = started + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            infos.append(client.publish(message.topic, message.payload, qos=1, retain=message.retain))
        for info in infos:
            info.wait_for_publish(timeout=30)
        return SimulationReport(published=len(infos), seconds=time.monotonic() - started)
    finally:
        client.disconnect()
        client.loop_stop()
