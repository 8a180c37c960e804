"""`make run` without a broker: the embedded Mosquitto or amqtt carries QoS 1 messages to the bridge.

Both paths are exercised with the real bridge and a real publisher.
"""

from __future__ import annotations

import queue

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from iot.bridge import MqttBridge, ReceivedMessage
from iot.embedded_broker import start_embedded_broker
from iot.mqtt_url import parse_mqtt_url


def publish_once(url: str, topic: str, payload: bytes) -> None:
    address = parse_mqtt_url(url)
    protocol = mqtt.MQTTv5 if address.protocol == "5" else mqtt.MQTTv311
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="embedded-publisher", protocol=protocol)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)
    finally:
        client.disconnect()
        client.loop_stop()


@pytest.mark.parametrize("kind", ["mosquitto", "amqtt"])
def test_the_embedded_broker_carries_a_qos1_message_to_the_bridge(tmp_path, kind):
    broker = start_embedded_broker(tmp_path, prefer=kind)
    try:
        assert broker.kind == kind
        assert broker.url.startswith("mqtt://127.0.0.1:")
        received: queue.Queue[ReceivedMessage] = queue.Queue()

        def refuse(msg, exc):
            raise AssertionError(exc)

        bridge = MqttBridge(broker.url, received.put, refuse, client_id=f"fieldops-embedded-{kind}")
        bridge.subscribe("fieldops/#")
        bridge.start()
        try:
            assert bridge.wait_connected(10)
            publish_once(broker.url, "fieldops/s1/d1/event", b'{"kind":"fire","active":true}')
            msg = received.get(timeout=10)
            assert (msg.topic, msg.payload, msg.qos) == ("fieldops/s1/d1/event", b'{"kind":"fire","active":true}', 1)
        finally:
            bridge.stop()
    finally:
        broker.stop()


def test_the_embedded_mosquitto_keeps_its_persistence_in_the_data_dir(tmp_path):
    broker = start_embedded_broker(tmp_path, prefer="mosquitto")
    broker.stop()
    assert (tmp_path / "mqtt" / "mosquitto.db").exists()
