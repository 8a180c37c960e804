"""The bridge against a real Mosquitto: acks after handling, persistent session, restarts, garbage.

Each test starts Mosquitto from ops/mosquitto via tests/mqtt_broker.py.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from iot import bridge as bridge_module
from iot.adapters import adapt, topic_filters
from iot.bridge import MqttBridge, ReceivedMessage
from tests.iot.mqtt_publisher import Publisher
from tests.mqtt_broker import USERS

LEAK = b'{"kind":"water_leak","active":true,"zone":"pump room","seq":1}'
LEAK_AGAIN = b'{"kind":"water_leak","active":true,"zone":"pump room","seq":2}'
WAIT_S = 10


def raise_on_error(msg, exc):
    raise AssertionError(f"unexpected handler failure on {msg.topic}: {exc!r}")


def started(bridge: MqttBridge) -> MqttBridge:
    bridge.start()
    assert bridge.wait_connected(WAIT_S), bridge.last_connect_reason
    return bridge


def collecting_bridge(broker, client_id="fieldops-test", on_error=raise_on_error, **kw):
    received: queue.Queue[ReceivedMessage] = queue.Queue()
    bridge = MqttBridge(broker.url("fieldops"), received.put, on_error, client_id=client_id, **kw)
    bridge.subscribe("fieldops/#")
    return bridge, received


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(bridge_module, "REDELIVERY_DELAY_S", 0.2)


def test_a_sensor_message_reaches_the_handler_and_health_says_connected(mosquitto_broker):
    bridge, received = collecting_bridge(mosquitto_broker)
    assert bridge.state == "disconnected"
    started(bridge)
    try:
        assert bridge.state == "connected"
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            sensor.publish("fieldops/site-1/leak-7/event", LEAK)
        msg = received.get(timeout=WAIT_S)
        assert (msg.topic, msg.payload, msg.qos) == ("fieldops/site-1/leak-7/event", LEAK, 1)
        assert [e.kind for e in adapt(msg.topic, msg.payload)] == ["water_leak"]
    finally:
        bridge.stop()
    assert bridge.state == "disconnected"


CRASHING_SERVICE = textwrap.dedent(
    """
    import os, sys
    from iot.bridge import MqttBridge
    def crash(msg):
        # The service dies after receiving the message, before committing it: no ack may be sent.
        print("got", msg.topic, flush=True)
        os._exit(3)
    bridge = MqttBridge(sys.argv[1], crash, lambda m, e: None, client_id="fieldops-crash")
    bridge.subscribe("fieldops/#")
    bridge.start()
    bridge.wait_connected(10)
    print("connected", flush=True)
    import time; time.sleep(30)
    """
)


def test_a_message_is_redelivered_after_the_service_crashes_before_acknowledging_it(mosquitto_broker):
    service = subprocess.Popen(
        [sys.executable, "-c", CRASHING_SERVICE, mosquitto_broker.url("fieldops")],
        stdout=subprocess.PIPE, text=True, cwd=os.getcwd(),
    )
    try:
        assert service.stdout.readline().strip() == "connected"
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            sensor.publish("fieldops/site-1/leak-7/event", LEAK)
        assert service.wait(timeout=WAIT_S) == 3
        assert "got fieldops/site-1/leak-7/event" in service.stdout.read()
    finally:
        service.kill()
        service.wait()
        service.stdout.close()

    # The service comes back with the same client id: the broker redelivers the unacked message.
    bridge, received = collecting_bridge(mosquitto_broker, client_id="fieldops-crash")
    started(bridge)
    try:
        assert received.get(timeout=WAIT_S).payload == LEAK
    finally:
        bridge.stop()
    # It was acked this time: a further restart gets nothing.
    bridge, received = collecting_bridge(mosquitto_broker, client_id="fieldops-crash")
    started(bridge)
    try:
        with pytest.raises(queue.Empty):
            received.get(timeout=1)
    finally:
        bridge.stop()


def test_messages_published_while_the_service_is_down_arrive_when_it_returns(mosquitto_broker):
    bridge, received = collecting_bridge(mosquitto_broker)
    started(bridge).stop()  # first connection creates the persistent session and subscription
    with Publisher(mosquitto_broker.url("tester")) as sensor:
        for seq in range(50):
            sensor.publish("fieldops/site-1/leak-7/event", b'{"kind":"smoke","active":true,"seq":%d}' % seq)
    bridge, received = collecting_bridge(mosquitto_broker)
    started(bridge)
    try:
        payloads = [received.get(timeout=WAIT_S).payload for _ in range(50)]
        assert payloads == [b'{"kind":"smoke","active":true,"seq":%d}' % seq for seq in range(50)]
    finally:
        bridge.stop()


def test_the_bridge_reconnects_and_resubscribes_after_a_broker_restart(mosquitto_broker):
    bridge, received = collecting_bridge(mosquitto_broker)
    started(bridge)
    try:
        mosquitto_broker.stop()
        deadline = time.monotonic() + WAIT_S
        while bridge.state == "connected" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert bridge.state == "disconnected"
        mosquitto_broker.start()
        assert bridge.wait_connected(WAIT_S + bridge_module.RECONNECT_MAX_DELAY_S)
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            sensor.publish("fieldops/site-2/smoke-1/event", b'{"kind":"smoke","active":true}')
        assert received.get(timeout=WAIT_S).topic == "fieldops/site-2/smoke-1/event"
    finally:
        bridge.stop()


def test_messages_queued_for_the_service_survive_a_broker_restart(mosquitto_broker):
    bridge, received = collecting_bridge(mosquitto_broker)
    started(bridge).stop()
    with Publisher(mosquitto_broker.url("tester")) as sensor:
        sensor.publish("fieldops/site-1/leak-7/event", LEAK)
    mosquitto_broker.restart()
    bridge, received = collecting_bridge(mosquitto_broker)
    started(bridge)
    try:
        assert received.get(timeout=WAIT_S).payload == LEAK
    finally:
        bridge.stop()


def test_a_thousand_garbage_payloads_become_dead_letters_and_good_messages_keep_flowing(mosquitto_broker):
    dead_letters: list[tuple[str, bytes, str]] = []
    events = []
    done = threading.Event()

    def handle(msg: ReceivedMessage) -> None:
        events.extend(adapt(msg.topic, msg.payload))
        if msg.topic.endswith("/event") and events and events[-1].seq == 2:
            done.set()

    def record(msg: ReceivedMessage, exc: BaseException) -> None:
        dead_letters.append((msg.topic, msg.payload, str(exc)))

    bridge = MqttBridge(mosquitto_broker.url("fieldops"), handle, record, client_id="fieldops-garbage")
    for topic_filter in topic_filters():
        bridge.subscribe(topic_filter)
    started(bridge)
    try:
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            sensor.publish("fieldops/s1/d1/event", b'{"kind":"water_leak","active":true,"seq":1}')
            garbage = [b"{not json", b"\xff\xfe", b'{"kind":"x"}', b"[]", b"null"]
            infos = [
                sensor.client.publish("fieldops/s1/d1/event", garbage[i % len(garbage)] + str(i).encode(), qos=1)
                for i in range(1000)
            ]
            for info in infos:
                info.wait_for_publish(timeout=WAIT_S)
            sensor.publish("fieldops/s1/d1/event", b'{"kind":"water_leak","active":false,"seq":2}')
        assert done.wait(WAIT_S)
        assert len(dead_letters) == 1000
        assert all(reason for _, _, reason in dead_letters)
        assert [(e.active, e.seq) for e in events] == [(True, 1), (False, 2)]
        assert bridge.state == "connected"
    finally:
        bridge.stop()


def test_a_message_that_can_be_neither_handled_nor_recorded_comes_back_until_it_is(mosquitto_broker):
    attempts = []
    recorded = threading.Event()

    def handle(msg):
        attempts.append(msg.payload)
        raise ValueError("bad payload")

    def record(msg, exc):
        if len(attempts) < 3:
            raise OSError("database is locked")  # dead letter not stored: must not ack
        recorded.set()

    bridge = MqttBridge(mosquitto_broker.url("fieldops"), handle, record, client_id="fieldops-retry")
    bridge.subscribe("fieldops/#")
    started(bridge)
    try:
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            sensor.publish("fieldops/s1/d1/event", b"garbage")
        assert recorded.wait(WAIT_S + 3 * bridge_module.RECONNECT_MIN_DELAY_S)
        assert attempts == [b"garbage"] * 3
    finally:
        bridge.stop()


def set_broker_password(broker, user: str, password: str) -> None:
    """What an operator does to the broker's password file (then restarts the broker)."""
    subprocess.run(["mosquitto_passwd", "-b", str(broker.directory / "passwd"), user, password], check=True)


def wait_state(bridge: MqttBridge, state: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while bridge.state != state and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bridge.state == state, (bridge.state, bridge.last_connect_reason)


def refusal_times(broker, count: int) -> list[float]:
    """When (monotonic) each of the next `count` refusals appears in the broker's log."""
    seen, known = [], broker.log.count("not authorised")
    deadline = time.monotonic() + WAIT_S + count * bridge_module.AUTH_RETRY_DELAY_S
    while len(seen) < count and time.monotonic() < deadline:
        now = broker.log.count("not authorised")
        seen += [time.monotonic()] * (now - known)
        known = now
        time.sleep(0.02)
    assert len(seen) >= count, f"{len(seen)} refusals logged"
    return seen


def test_a_broker_restarted_with_a_wrong_password_file_is_retried_slowly_until_it_is_fixed(mosquitto_broker, monkeypatch):
    monkeypatch.setattr(bridge_module, "AUTH_RETRY_DELAY_S", 1.0)
    bridge, received = collecting_bridge(mosquitto_broker, client_id="fieldops-rotated")
    started(bridge)
    try:
        set_broker_password(mosquitto_broker, "fieldops", "not-what-the-service-has")
        mosquitto_broker.restart()
        deadline = time.monotonic() + WAIT_S
        while bridge.last_connect_reason not in ("Not authorized", "Bad user name or password") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert bridge.last_connect_reason in ("Not authorized", "Bad user name or password")
        assert bridge.state == "disconnected"
        # Refused again and again while the file is wrong, but no faster than AUTH_RETRY_DELAY_S.
        refused_at = refusal_times(mosquitto_broker, count=3)
        gaps = [later - earlier for earlier, later in zip(refused_at, refused_at[1:])]
        assert all(gap >= 0.8 * bridge_module.AUTH_RETRY_DELAY_S for gap in gaps), gaps
        assert bridge.state == "disconnected"

        set_broker_password(mosquitto_broker, "fieldops", USERS["fieldops"])
        mosquitto_broker.restart()
        assert bridge.wait_connected(WAIT_S + bridge_module.AUTH_RETRY_DELAY_S), bridge.last_connect_reason
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            sensor.publish("fieldops/site-1/leak-7/event", LEAK)
        assert received.get(timeout=WAIT_S).payload == LEAK
    finally:
        bridge.stop()


def test_unsubscribe_stops_delivery_of_that_filter(mosquitto_broker):
    received: queue.Queue[ReceivedMessage] = queue.Queue()
    bridge = MqttBridge(mosquitto_broker.url("fieldops"), received.put, raise_on_error, client_id="fieldops-unsub")
    unsubscribe_native = bridge.subscribe("fieldops/#")
    bridge.subscribe("zigbee2mqtt/#")
    started(bridge)
    try:
        unsubscribe_native()
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            sensor.publish("fieldops/s1/d1/event", LEAK)
            sensor.publish("zigbee2mqtt/leak", b'{"water_leak":true}')
        assert received.get(timeout=WAIT_S).topic == "zigbee2mqtt/leak"
        with pytest.raises(queue.Empty):
            received.get(timeout=0.5)
    finally:
        bridge.stop()


def test_two_instances_with_a_share_group_split_the_stream(mosquitto_broker):
    first, got_first = collecting_bridge(mosquitto_broker, client_id="fieldops-a", share_group="fieldops")
    second, got_second = collecting_bridge(mosquitto_broker, client_id="fieldops-b", share_group="fieldops")
    started(first)
    started(second)
    try:
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            for seq in range(20):
                sensor.publish("fieldops/s1/d1/event", b'{"kind":"smoke","active":true,"seq":%d}' % seq)
            # Markers until each instance has had one: a duplicate of the 20 would reach an instance before its marker.
            seen: dict[str, list[int]] = {"first": [], "second": []}
            deadline, marker = time.monotonic() + WAIT_S, 1000
            while not all(1000 <= max(seqs, default=0) for seqs in seen.values()) and time.monotonic() < deadline:
                sensor.publish("fieldops/s1/d1/event", b'{"kind":"smoke","active":true,"seq":%d}' % marker)
                marker += 1
                for name, got in (("first", got_first), ("second", got_second)):
                    try:
                        while True:
                            seen[name].append(json.loads(got.get(timeout=0.05).payload)["seq"])
                    except queue.Empty:
                        pass
        stream = [seq for seqs in seen.values() for seq in seqs if seq < 1000]
        assert sorted(stream) == list(range(20))  # each message to exactly one instance
        assert [s for s in seen["first"] if s < 1000] and [s for s in seen["second"] if s < 1000]  # both took a share
    finally:
        first.stop()
        second.stop()


def test_a_sensor_can_publish_only_its_own_topics(mosquitto_broker):
    bridge, received = collecting_bridge(mosquitto_broker)
    started(bridge)
    try:
        with Publisher(mosquitto_broker.url("leak-7"), client_id="leak-7") as sensor:
            sensor.publish("fieldops/site-1/leak-8/event", LEAK)  # another device's topic: refused
            sensor.publish("fieldops/site-1/leak-7/event", LEAK)
            sensor.publish("fieldops/site-1/leak-8/event", LEAK)
            sensor.publish("fieldops/site-1/leak-7/event", LEAK_AGAIN)  # the marker: one client's messages arrive in order
        assert received.get(timeout=WAIT_S).topic == "fieldops/site-1/leak-7/event"
        marker = received.get(timeout=WAIT_S)
        assert (marker.topic, marker.payload) == ("fieldops/site-1/leak-7/event", LEAK_AGAIN)  # nothing of leak-8's in between
    finally:
        bridge.stop()


def test_after_a_broker_loses_its_state_the_bridge_subscribes_again_on_reconnect(mosquitto_broker):
    bridge, received = collecting_bridge(mosquitto_broker)
    started(bridge)
    try:
        mosquitto_broker.stop()
        deadline = time.monotonic() + WAIT_S
        while bridge.state == "connected" and time.monotonic() < deadline:
            time.sleep(0.05)
        (mosquitto_broker.directory / "mosquitto.db").unlink()  # a new broker: no session of ours
        mosquitto_broker.start()
        assert bridge.wait_connected(WAIT_S + bridge_module.RECONNECT_MAX_DELAY_S)
        # A message sent before the broker has the resubscription is lost (a new broker keeps nothing for us),
        # so the sensor repeats it until one arrives: the subscription is back.
        got, deadline = None, time.monotonic() + WAIT_S
        with Publisher(mosquitto_broker.url("tester")) as sensor:
            while got is None and time.monotonic() < deadline:
                sensor.publish("fieldops/site-3/leak-1/event", LEAK)
                try:
                    got = received.get(timeout=0.2)
                except queue.Empty:
                    pass
        assert got is not None and got.topic == "fieldops/site-3/leak-1/event"
    finally:
        bridge.stop()
