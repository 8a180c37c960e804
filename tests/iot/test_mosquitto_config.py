"""The shipped Mosquitto config keeps its promises: no silent queue drops, sessions outlive ours, TLS works.

TLS is checked by starting Mosquitto with the production TLS listener lines and a self-signed certificate.
"""

from __future__ import annotations

import queue
import re

from iot import bridge as bridge_module
from iot.bridge import MqttBridge
from iot.mqtt_url import parse_mqtt_url
from tests.iot.mqtt_publisher import Publisher
from tests.mqtt_broker import PRODUCTION_CONF, MosquittoBroker

_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}


def setting(name: str) -> str:
    [value] = re.findall(rf"^{name}\s+(\S+)", PRODUCTION_CONF.read_text(), flags=re.M)
    return value


def test_the_broker_queues_far_more_than_mosquittos_default_1000_messages_for_an_offline_service():
    assert int(setting("max_queued_messages")) >= 20000  # the alarm-storm design case
    assert setting("persistence") == "true"


def test_the_broker_keeps_a_session_longer_than_the_bridge_asks_for():
    value = setting("persistent_client_expiration")
    assert int(value[:-1]) * _UNITS[value[-1]] > bridge_module.SESSION_EXPIRY_S


def test_the_bridge_connects_over_the_production_tls_listener(tmp_path):
    broker = MosquittoBroker(tmp_path / "mosquitto", tls=True)
    broker.start()
    received = queue.Queue()
    bridge = MqttBridge(broker.tls_url("fieldops"), received.put, lambda m, e: None, client_id="fieldops-tls")
    bridge.subscribe("fieldops/#")
    try:
        assert parse_mqtt_url(broker.tls_url()).tls
        bridge.start()
        assert bridge.wait_connected(10), bridge.last_connect_reason
        with Publisher(broker.url("tester")) as sensor:
            sensor.publish("fieldops/s1/d1/event", b'{"kind":"fire","active":true}')
        assert received.get(timeout=10).topic == "fieldops/s1/d1/event"
    finally:
        bridge.stop()
        broker.stop()
