"""A new alarm never waits behind a storm's backlog: the bridge's fast lane is emptied before the next bulk batch,
and every message is still acked only after the batch that holds it was handled (against a real Mosquitto)."""

from __future__ import annotations

import threading

from iot.bridge import MqttBridge, ReceivedMessage
from tests.iot.mqtt_publisher import Publisher

WAIT_S = 10
FIRE = b'{"kind":"fire","active":true,"zone":"B2"}'


def test_a_fire_behind_a_storm_backlog_is_handled_in_the_next_batch(mosquitto_broker):
    batches: list[list[bytes]] = []
    fire_seen, all_done = threading.Event(), threading.Event()

    def urgent(msg: ReceivedMessage) -> bool:
        if msg.payload == FIRE:
            fire_seen.set()
            return True
        return False

    def handle_batch(msgs: list[ReceivedMessage]) -> None:
        if not batches:  # hold the first storm batch until the fire has reached the bridge, as a slow commit would
            assert fire_seen.wait(WAIT_S), "the fire never reached the bridge"
        batches.append([m.payload for m in msgs])
        if sum(len(b) for b in batches) == 1001:
            all_done.set()

    def refuse(msg: ReceivedMessage, exc: BaseException) -> None:
        raise exc

    def bridge() -> MqttBridge:
        b = MqttBridge(mosquitto_broker.url("fieldops"), lambda m: None, refuse, client_id="fieldops-fast-lane", batch_handler=handle_batch, urgent=urgent)
        b.subscribe("fieldops/+/+/event")
        return b

    first = bridge()
    first.start()
    assert first.wait_connected(WAIT_S)
    first.stop()  # the persistent session now queues for us
    with Publisher(mosquitto_broker.url("tester")) as sensors:
        infos = [sensors.client.publish(f"fieldops/south/storm-{n % 50}/event", b'{"kind":"water_leak","active":true,"seq":%d}' % n, qos=1)
                 for n in range(1000)]
        for info in infos:
            info.wait_for_publish(timeout=WAIT_S)
        sensors.publish("fieldops/north/fire-1/event", FIRE)
    second = bridge()
    second.start()
    try:
        assert all_done.wait(WAIT_S * 3), f"handled {sum(len(b) for b in batches)} of 1001"
        # the fire is handled alone, first or right after the batch that was committing: never after the ~4 batches of backlog
        assert [FIRE] in batches[:2], f"the fire waited behind the storm's backlog: batch sizes {[len(b) for b in batches]}"
        assert sorted(p for b in batches for p in b if p != FIRE) == sorted(
            b'{"kind":"water_leak","active":true,"seq":%d}' % n for n in range(1000))
    finally:
        second.stop()
