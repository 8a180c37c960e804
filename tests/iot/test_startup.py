"""Starting MQTT from settings: an external broker URL, the embedded broker, or off.

Uses the lead's Settings object the way `fieldops serve` does.
"""

from __future__ import annotations

import queue

from iot.simulate import simulate
from iot.startup import start_mqtt
from server.settings import from_env


def test_mqtt_off_means_no_bridge_and_health_says_disabled(tmp_path):
    runtime = start_mqtt(from_env({"FIELDOPS_MQTT_URL": "off", "FIELDOPS_DATA_DIR": str(tmp_path)}), print, print)
    assert (runtime.bridge, runtime.state) == (None, "disabled")
    runtime.stop()


def test_an_external_broker_url_is_used_with_all_adapter_topics(tmp_path, mosquitto_broker):
    received = queue.Queue()
    settings = from_env({"FIELDOPS_MQTT_URL": mosquitto_broker.url("fieldops"), "FIELDOPS_DATA_DIR": str(tmp_path)})
    runtime = start_mqtt(settings, received.put, lambda m, e: None)
    try:
        assert runtime.broker is None
        assert runtime.bridge.wait_connected(10)
        assert runtime.state == "connected"
        simulate(mosquitto_broker.url("tester"), "mixed", devices=3, messages=3)
        topics = {received.get(timeout=10).topic.split("/")[0] for _ in range(3)}
        assert topics == {"fieldops", "zigbee2mqtt", "shellies"}
    finally:
        runtime.stop()


def test_without_a_url_an_embedded_broker_is_started_in_the_data_dir(tmp_path):
    received = queue.Queue()
    runtime = start_mqtt(from_env({"FIELDOPS_DATA_DIR": str(tmp_path)}), received.put, lambda m, e: None)
    try:
        assert runtime.broker is not None and runtime.broker.kind == "mosquitto"
        assert runtime.bridge.wait_connected(10)
        simulate(runtime.broker.url, "native", devices=1, messages=1)
        assert received.get(timeout=10).topic == "fieldops/demo/sim-0/event"
    finally:
        runtime.stop()
    assert (tmp_path / "mqtt" / "mosquitto.db").exists()
