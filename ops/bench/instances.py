"""Benchmark: one instance against two (one database, one Mosquitto, a share group), in one run — alarm storm
throughput and publish → push latency, with a bare MQTT round trip as the baseline.

Run: .venv/bin/python ops/bench/instances.py [--alarms 200] [--storm 5000] [--devices 250] [--seconds 5]
Everything runs on loopback: the broker, the servers (two `fieldops serve` processes on one SQLite file, as two
hosts would share PostgreSQL) and a local push service. On SQLite both instances share one writer lock, so the
second instance adds failover, not write throughput; on PostgreSQL the same script measures what it adds.
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


def storm(publisher: Publisher, db: sqlite3.Connection, messages: int, devices: int, seconds: float) -> dict[str, float]:
    """A storm of other sensors at the south site, `messages` spread over `seconds`, counted until every one is handled."""
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

def latencies(servers: list[LiveServer], publisher: Publisher, push: LocalPushService, db: sqlite3.Connection, count: int, tag: str) -> list[float]:
    """Publish → push decrypted by the guard's phone, one alarm at a time; the guard is signed in on the first instance."""
    guard = servers[0].login("guard")
    guard.ok("start_shift", site_id="north")
    sub = push.subscribe()
    assert guard.post("/api/v1/push/subscriptions", json=sub).status_code == 201
    out = []
    for n in range(count):
        before = len(push.received_by(sub))
        started = time.monotonic()
        publisher.publish(f"fieldops/north/{tag}-{n}/event", json.dumps({"kind": "water_leak", "active": True, "zone": f"zone {n % 40}"}), qos=1)
        got = wait(lambda: len(push.received_by(sub)) > before and push.received_by(sub)[before], 10, "push received")
        out.append((got.received_at - started) * 1000)
    return out


def run(count: int, args: argparse.Namespace, broker: MosquittoBroker, push: LocalPushService, tmp: Path) -> dict[str, object]:
    directory = tmp / f"{count}-instances"
    directory.mkdir()
    build_world(str(directory / "fieldops.db"))
    env = {"FIELDOPS_MQTT_URL": broker.url("fieldops"), "FIELDOPS_PUSH_INSECURE_HOSTS": push.host, "FIELDOPS_MQTT_SHARE_GROUP": f"bench{count}"}
    servers = [LiveServer(directory, {**env, "FIELDOPS_MQTT_CLIENT_ID": f"bench-{count}-{i}"}).start() for i in range(count)]
    try:
        for server in servers:
            wait(lambda: server.health()["mqtt"] == "connected", 20, "bridge connected")
        db = sqlite3.connect(directory / "fieldops.db")
        with Publisher(broker.url("tester"), client_id=f"bench-sensors-{count}") as publisher:
            to_phone = latencies(servers, publisher, push, db, args.alarms, f"lat{count}")
            result = storm(publisher, db, args.storm, args.devices, args.seconds)
        db.close()
    finally:
        for server in servers:
            server.stop()
    return {"to_phone": to_phone, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alarms", type=int, default=200)
    parser.add_argument("--storm", type=int, default=5000)
    parser.add_argument("--devices", type=int, default=250)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LocalPushService() as push:
        broker = MosquittoBroker(Path(tmp) / "mqtt")
        broker.start()
        try:
            baseline = roundtrip_latencies_ms(broker.url("fieldops"), args.alarms, publisher_url=broker.url("tester"))
            results = {n: run(n, args, broker, push, Path(tmp)) for n in (1, 2)}
        finally:
            broker.stop()
    p = percentile
    print(f"instances benchmark, loopback, {args.alarms} alarms one at a time, storm of {args.storm} messages from {args.devices} devices in {args.seconds:.0f} s")
    print(f"  bare MQTT round trip (baseline)        p50 {p(baseline, .5):7.2f} ms   p99 {p(baseline, .99):7.2f} ms")
    for n, r in results.items():
        lat = r["to_phone"]
        print(f"  {n} instance{'s' if n > 1 else ' '}: publish -> push decrypted  p50 {p(lat, .5):7.2f} ms   p90 {p(lat, .9):7.2f} ms   p99 {p(lat, .99):7.2f} ms")
        print(f"               storm handled in {r['handled_s']:.1f} s: {r['sent'] / r['handled_s']:.0f} messages/s; "
              f"handled {r['handled']}/{r['sent']} (nothing lost: {r['handled'] == r['sent']}); {r['alarms']} alarms, {r['tickets']} ticket(s)")


if __name__ == "__main__":
    main()
