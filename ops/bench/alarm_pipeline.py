"""Benchmark: sensor publish → ticket committed → push received by the guard's phone, against a bare MQTT
round trip measured in the same run; then an alarm storm (20,000 messages from 500 devices in 10 s).

Run: .venv/bin/python ops/bench/alarm_pipeline.py [--alarms 1000] [--storm 20000] [--devices 500] [--seconds 10]
Everything runs on loopback: a Mosquitto the script starts, the server, and a local push service.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ops.bench.mqtt_roundtrip import percentile, roundtrip_latencies_ms  # noqa: E402
from tests.iot.mqtt_publisher import Publisher  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402
from tests.mqtt_broker import MosquittoBroker  # noqa: E402
from tests.push_endpoint import LocalPushService  # noqa: E402
from tests.world import build_world  # noqa: E402


def wait(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.001)
    return value


def alarm_latencies(server: LiveServer, publisher: Publisher, push: LocalPushService, db: sqlite3.Connection, count: int) -> tuple[list[float], list[float]]:
    guard = server.login("guard")
    guard.ok("start_shift", site_id="north")
    assert guard.post("/api/v1/push/subscriptions", json=push.subscribe()).status_code == 201
    to_commit, to_phone = [], []
    for n in range(count):
        device = f"bench-leak-{n}"
        started = time.monotonic()
        publisher.publish(f"fieldops/north/{device}/event", json.dumps({"kind": "water_leak", "active": True, "zone": f"zone {n % 40}"}), qos=1)
        wait(lambda: db.execute("SELECT 1 FROM alarms WHERE device_id = ?", (device,)).fetchone(), 10, "alarm committed")
        committed = time.monotonic()
        got = wait(lambda: len(push.received) > n and push.received[n], 10, "push received")
        to_commit.append((committed - started) * 1000)
        to_phone.append((got.received_at - started) * 1000)
    return to_commit, to_phone


def storm(publisher: Publisher, db: sqlite3.Connection, messages: int, devices: int, seconds: float) -> dict[str, float]:
    per_device = messages // devices
    interval = seconds / messages
    started = time.monotonic()
    sent = 0
    for round_ in range(per_device):
        for d in range(devices):
            body = {"kind": "water_leak", "active": True, "zone": f"storm zone {d}", "seq": round_}
            publisher.client.publish(f"fieldops/south/storm-{d}/event", json.dumps(body), qos=1)
            sent += 1
            ahead = started + sent * interval - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
    published = time.monotonic()
    total = lambda: db.execute("SELECT coalesce(sum(count), 0) FROM alarms WHERE site_id = 'south'").fetchone()[0]  # noqa: E731
    wait(lambda: total() >= sent, 300, "every storm message handled")
    done = time.monotonic()
    alarms = db.execute("SELECT count(*) FROM alarms WHERE site_id = 'south'").fetchone()[0]
    tickets = db.execute("SELECT count(*) FROM work_orders WHERE site_id = 'south' AND category = 'emergency'").fetchone()[0]
    return {"sent": sent, "publish_s": published - started, "handled_s": done - started, "alarms": alarms, "tickets": tickets, "handled": total()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alarms", type=int, default=1000)
    parser.add_argument("--storm", type=int, default=20000)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalPushService() as push:
        directory = Path(tmp)
        broker = MosquittoBroker(directory / "mqtt")
        broker.start()
        build_world(str(directory / "fieldops.db"))
        server = LiveServer(directory, {"FIELDOPS_MQTT_URL": broker.url("fieldops"), "FIELDOPS_PUSH_INSECURE_HOSTS": push.host}).start()
        try:
            baseline = roundtrip_latencies_ms(broker.url("fieldops"), args.alarms, publisher_url=broker.url("tester"))
            db = sqlite3.connect(directory / "fieldops.db")
            with Publisher(broker.url("tester"), client_id="bench-sensors") as publisher:
                wait(lambda: server.health()["mqtt"] == "connected", 10, "bridge connected")
                to_commit, to_phone = alarm_latencies(server, publisher, push, db, args.alarms)
                result = storm(publisher, db, args.storm, args.devices, args.seconds)
        finally:
            server.stop()
            broker.stop()
    p = lambda xs, f: percentile(xs, f)  # noqa: E731
    print(f"alarm pipeline, {args.alarms} alarms, loopback")
    print(f"  bare MQTT round trip (baseline)  p50 {p(baseline, .5):7.2f} ms   p99 {p(baseline, .99):7.2f} ms")
    print(f"  publish -> ticket committed      p50 {p(to_commit, .5):7.2f} ms   p99 {p(to_commit, .99):7.2f} ms   (p50 {p(to_commit, .5) / p(baseline, .5):.1f}x baseline)")
    print(f"  publish -> push decrypted        p50 {p(to_phone, .5):7.2f} ms   p99 {p(to_phone, .99):7.2f} ms   (p50 {p(to_phone, .5) / p(baseline, .5):.1f}x baseline)")
    print(f"alarm storm: {result['sent']} messages from {args.devices} devices published in {result['publish_s']:.1f} s")
    print(f"  all handled after {result['handled_s']:.1f} s: {result['sent'] / result['handled_s']:.0f} messages/s sustained; "
          f"handled {result['handled']}/{result['sent']} (nothing lost: {result['handled'] == result['sent']}); "
          f"{result['alarms']} alarms, {result['tickets']} incident ticket(s)")


if __name__ == "__main__":
    main()
