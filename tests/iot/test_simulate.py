"""The simulator publishes what real devices publish, floods on demand, and garbage that adapters reject.

Its messages are checked through the adapters, and a flood goes through a real Mosquitto.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from iot.adapters import adapt, topic_filters
from iot.bridge import MqttBridge
from iot.simulate import messages_for, simulate
from server.domain.alarms.events import PayloadRejected


@pytest.mark.parametrize("scenario", ["native", "zigbee2mqtt", "shelly", "mixed"])
def test_every_simulated_device_message_is_readable_by_an_adapter(scenario):
    for message in messages_for(scenario, devices=6, messages=60):
        assert adapt(message.topic, message.payload), message


def test_simulated_garbage_is_rejected_by_the_adapters():
    for message in messages_for("garbage", devices=3, messages=20):
        with pytest.raises(PayloadRejected):
            adapt(message.topic, message.payload)


def test_a_simulated_flood_of_500_messages_from_50_devices_all_reach_the_bridge(mosquitto_broker):
    seen, lost = [], []
    all_in = threading.Event()

    def handle(msg):
        seen.append(msg.topic)
        if len(seen) == 500:
            all_in.set()

    bridge = MqttBridge(mosquitto_broker.url("fieldops"), handle, lambda m, e: lost.append(e), client_id="fieldops-sim")
    for topic_filter in topic_filters():
        bridge.subscribe(topic_filter)
    bridge.start()
    try:
        assert bridge.wait_connected(10)
        report = simulate(mosquitto_broker.url("tester"), "mixed", devices=50, messages=500)
        assert report.published == 500
        assert all_in.wait(10), len(seen)
        assert lost == []
        assert len({t.split("/")[-2] if t.startswith("fieldops") else t for t in seen}) > 1
    finally:
        bridge.stop()


def test_the_command_line_publishes_a_rate_limited_scenario(mosquitto_broker):
    result = subprocess.run(
        [sys.executable, "-m", "ops.simulate", "shelly", "--url", mosquitto_broker.url("tester"),
         "--devices", "2", "--messages", "10", "--rate", "100"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("published 10 shelly messages")
