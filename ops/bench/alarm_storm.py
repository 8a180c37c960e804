"""Benchmark: an alarm storm's backlog at the broker (queued while the consumer was away, persistent session)
drained by one FieldOps instance, against a bare paho subscriber that only counts, draining the same backlog
in the same run. Nothing is acked before its commit (iot/bridge.py); the bench checks nothing was lost.

Run: .venv/bin/python ops/bench/alarm_storm.py [--messages 20000] [--devices 500] [--profile out.txt]
With --profile, py-spy samples the server while it drains (where the time goes: adapters, rules, SQLite, paho).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from iot.mqtt_url import parse_mqtt_url  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402
from tests.mqtt_broker import MosquittoBroker  # noqa: E402
from tests.world import build_world  # noqa: E402

TOPIC_FILTER = "fieldops/+/+/event"
# A drain that takes longer than this failed the run.
DRAIN_TIMEOUT_S = 600.0


def _client(url: str, client_id: str, clean: bool = False) -> mqtt.Client:
    address = parse_mqtt_url(url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(address.username, address.password)
    return client


def _connect(client: mqtt.Client, url: str) -> None:
    address = parse_mqtt_url(url)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    client.connect(address.host, address.port, clean_start=False, properties=properties)


class Counter:
    """The bare peer: a paho subscriber (QoS 1, persistent session, paho's automatic ack) that only counts."""

    def __init__(self, url: str) -> None:
        self.url, self.count, self.first, self.last = url, 0, 0.0, 0.0
        self.done = threading.Event()
        self.expected = 0
        self.client = _client(url, "bench-bare-counter")
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe(TOPIC_FILTER, qos=1)

    def _on_message(self, client, userdata, message) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        if self.count == 1:
            self.first = time.monotonic()
        if self.count >= self.expected:
            self.last = time.monotonic()
            self.done.set()

    def register(self) -> None:
        """Connect once so the broker keeps a session (and queues) for it, then go away."""
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *a: subscribed.set()
        _connect(self.client, self.url)
        self.client.loop_start()
        if not subscribed.wait(10):
            raise SystemExit("bare counter could not subscribe")
        self.client.disconnect()
        self.client.loop_stop()

    def drain(self, expected: int) -> float:
        self.expected, self.count = expected, 0
        started = time.monotonic()
        _connect(self.client, self.url)
        self.client.loop_start()
        if not self.done.wait(DRAIN_TIMEOUT_S):
            raise SystemExit(f"bare counter got {self.count}/{expected}")
        self.client.disconnect()
        self.client.loop_stop()
        return self.last - started


def publish_backlog(url: str, messages: int, devices: int) -> None:
    client = _client(url, "bench-storm-sensors")
    _connect(client, url)
    client.loop_start()
    infos = []
    for n in range(messages):
        d = n % devices
        infos.append(client.publish(f"fieldops/south/storm-{d}/event",
                                    json.dumps({"kind": "water_leak", "active": True, "zone": f"storm zone {d}", "seq": n // devices}), qos=1))
    for info in infos:
        info.wait_for_publish(timeout=60)
    client.disconnect()
    client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--profile", default=None, help="write a py-spy flame summary (raw collapsed stacks) here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        broker = MosquittoBroker(directory / "mqtt")
        broker.start()
        build_world(str(directory / "fieldops.db"))
        env = {"FIELDOPS_MQTT_URL": broker.url("fieldops")}
        try:
            server = LiveServer(directory, env).start(timeout_s=120)  # registers the server's persistent session and subscriptions
            deadline = time.monotonic() + 20
            while server.health()["mqtt"] != "connected":
                if time.monotonic() > deadline:
                    raise SystemExit("bridge did not connect")
                time.sleep(0.05)
            server.stop()
            counter = Counter(broker.url("tester"))
            counter.register()
            publish_backlog(broker.url("tester"), args.messages, args.devices)
            bare_s = counter.drain(args.messages)

            server = LiveServer(directory, env).start(timeout_s=120)
            profiler = None
            if args.profile:
                profiler = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(server.proc.pid), "--format", "raw",
                                             "--output", args.profile, "--rate", "200", "--nonblocking", "--threads"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            db = sqlite3.connect(directory / "fieldops.db")
            handled = lambda: db.execute("SELECT coalesce(sum(count), 0) FROM alarms WHERE site_id = 'south'").fetchone()[0]  # noqa: E731
            deadline = time.monotonic() + DRAIN_TIMEOUT_S
            while handled() < args.messages:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            finished = datetime.now().astimezone()
            first = db.execute("SELECT min(first_seen) FROM alarms WHERE site_id = 'south'").fetchone()[0]
            total = handled()
            if profiler is not None:
                profiler.send_signal(2)
                profiler.wait(60)
            server.stop()
        finally:
            broker.stop()
    started = datetime.fromisoformat(first.replace("Z", "+00:00"))
    ours_s = (finished - started).total_seconds()
    print(f"alarm storm: a backlog of {args.messages} messages from {args.devices} devices at the broker, drained by one consumer")
    print(f"  bare paho subscriber that only counts   {args.messages / bare_s:8.0f} msg/s   ({bare_s:.2f} s)")
    print(f"  FieldOps (commit, then ack)             {total / ours_s:8.0f} msg/s   ({ours_s:.2f} s from its first commit)"
          f"   {total / ours_s / (args.messages / bare_s):.2f}x the bare subscriber (goal >= 0.33x and >= 5,000 msg/s)")
    print(f"  handled {total}/{args.messages} (nothing lost: {total == args.messages})")


if __name__ == "__main__":
    main()
