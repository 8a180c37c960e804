"""Baseline benchmark: bare MQTT publish → bridge handler round trip, QoS 1, loopback.

`python -m ops.bench.mqtt_roundtrip [--count 1000] [--url mqtt://...]`; the alarm benchmark calls roundtrip_latencies_ms().
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from iot.bridge import MqttBridge, ReceivedMessage
from iot.embedded_broker import start_embedded_broker
from iot.mqtt_url import parse_mqtt_url

TOPIC = "fieldops/bench/roundtrip-1/event"
# Per message; a lost message fails the run rather than hanging it.
RECEIVE_TIMEOUT_S = 5.0


def roundtrip_latencies_ms(url: str | None = None, count: int = 1000, publisher_url: str | None = None) -> list[float]:
    """Latency of each of `count` sequential QoS 1 messages from publish() to our handler, in ms.

    The receiver is the real MqttBridge (manual ack after the handler) with an empty handler, so the
    alarm benchmark's figures minus these are the cost of handling. With no `url`, a local
    Mosquitto (or amqtt) is started for the run and stopped after it.
    """
    if url is None:
        with tempfile.TemporaryDirectory() as directory:
            broker = start_embedded_broker(Path(directory))
            try:
                return roundtrip_latencies_ms(broker.url, count)
            finally:
                broker.stop()
    arrived = threading.Event()
    received_at: list[int] = []

    def handle(msg: ReceivedMessage) -> None:
        received_at.append(time.perf_counter_ns())
        arrived.set()

    def refuse(msg: ReceivedMessage, exc: BaseException) -> None:
        raise exc

    bridge = MqttBridge(url, handle, refuse, client_id=f"fieldops-bench-{time.monotonic_ns()}")
    bridge.subscribe(TOPIC)
    bridge.start()
    publisher = _publisher(publisher_url or url)
    try:
        if not bridge.wait_connected(10):
            raise RuntimeError(f"bench bridge could not connect: {bridge.last_connect_reason}")
        time.sleep(0.1)  # let SUBACK land before the first publish
        latencies = []
        for n in range(count):
            arrived.clear()
            sent = time.perf_counter_ns()
            publisher.publish(TOPIC, b'{"kind":"heartbeat","active":true,"seq":%d}' % n, qos=1)
            if not arrived.wait(RECEIVE_TIMEOUT_S):
                raise RuntimeError(f"message {n} not received within {RECEIVE_TIMEOUT_S} s")
            latencies.append((received_at[-1] - sent) / 1e6)
        return latencies
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        bridge.stop()


def _publisher(url: str) -> mqtt.Client:
    address = parse_mqtt_url(url)
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"fieldops-bench-pub-{time.monotonic_ns()}",
        protocol=mqtt.MQTTv5 if address.protocol == "5" else mqtt.MQTTv311,
    )
    if address.username is not None:
        client.username_pw_set(address.username, address.password)
    client.connect(address.host, address.port)
    client.loop_start()
    return client


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(latencies: list[float]) -> str:
    return (
        f"MQTT round trip over {len(latencies)} QoS 1 messages: p50 {percentile(latencies, 0.5):.2f} ms, "
        f"p99 {percentile(latencies, 0.99):.2f} ms, mean {statistics.fmean(latencies):.2f} ms, "
        f"max {max(latencies):.2f} ms"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ops.bench.mqtt_roundtrip", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--url", default=None, help="broker URL; default: start a local broker for the run")
    args = parser.parse_args(argv)
    print(summary(roundtrip_latencies_ms(args.url, args.count)))


if __name__ == "__main__":
    main()
