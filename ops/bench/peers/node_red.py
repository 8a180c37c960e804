"""Benchmark: Node-RED (MQTT in → function → Web Push, installed from npm for the run) against FieldOps on the same
alarm work in the same run: publish → push arrived at a local push service, and an alarm storm's backlog drained.

Run: .venv/bin/python ops/bench/peers/node_red.py [--alarms 300] [--messages 20000] [--devices 500]
Both push with the same VAPID key to the same subscription at tests/push_endpoint.py (TCP_NODELAY, stamped on
arrival). The storm is a backlog queued at the broker while the router is away (FieldOps stopped; Node-RED killed,
since on a clean stop it unsubscribes), then drained: messages / (last handled - first handled).
Node-RED acks each message before its flow runs and keeps nothing; FieldOps commits each alarm before its ack.
"""

from __future__ import annotations

import argparse
import base64
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from ops.bench.alarm_pipeline import alarm_latencies  # noqa: E402
from ops.bench.alarm_storm import DRAIN_TIMEOUT_S, publish_backlog  # noqa: E402
from ops.bench.mqtt_roundtrip import percentile  # noqa: E402
from ops.bench.peers.node_red_flow import COUNT_PATH, write_router  # noqa: E402
from ops.bench.peers.npm_install import node_at_least, node_version, npm_install  # noqa: E402
from server.push.vapid import application_server_key, shared_vapid  # noqa: E402
from server.store import open_store  # noqa: E402
from tests.iot.mqtt_publisher import Publisher  # noqa: E402
from tests.live_server import LiveServer, free_port  # noqa: E402
from tests.mqtt_broker import USERS, MosquittoBroker  # noqa: E402
from tests.push_endpoint import LocalPushService  # noqa: E402
from tests.world import build_world  # noqa: E402

NODE_RED_PACKAGES = ["node-red@5", "web-push@3"]
NODE_RED_NEEDS_NODE = (22, 9)
# Node-RED loads its palette in ~5-10 s on this machine; under load it may take much longer.
START_TIMEOUT_S = 120.0
# A warm-up alarm is re-sent this often until the router's first push arrives (its MQTT session is up).
WARMUP_RETRY_S = 1.0


def warm_up(publisher: Publisher, push: LocalPushService, who: str, log: Callable[[], str], timeout_s: float = 60.0) -> None:
    """One alarm through the router before measuring: it is connected, subscribed and has its push connection."""
    deadline = time.monotonic() + timeout_s
    n = 0
    while time.monotonic() < deadline:
        before = len(push.received)
        publisher.client.publish(f"fieldops/north/warmup-{who}-{n}/event", json.dumps({"kind": "fire", "active": True, "zone": "warm-up"}), qos=1)
        n += 1
        try:
            push.wait_for(before + 1, timeout=WARMUP_RETRY_S)
            return
        except AssertionError:
            continue
    raise SystemExit(f"{who} pushed nothing within {timeout_s:.0f} s of alarms; push attempts {push.attempts[-3:]}; its log ends:\n{log()[-3000:]}")


def raw_vapid_keys(vapid) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The VAPID key as web-push takes it: the public point and the private scalar, base64url, unpadded."""
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return application_server_key(vapid), base64.urlsafe_b64encode(private).rstrip(b"=").decode("ascii")


class FieldOpsRouter:
    """FieldOps as alarm_pipeline.py and alarm_storm.py start it: `fieldops serve` with the bridge on the broker."""

    def __init__(self, directory: Path, broker: MosquittoBroker, push: LocalPushService) -> None:
        self.directory = directory
        build_world(str(directory / "fieldops.db"))
        self.env = {"FIELDOPS_MQTT_URL": broker.url("fieldops"), "FIELDOPS_PUSH_INSECURE_HOSTS": push.host}
        self.server: LiveServer | None = None

    def start(self) -> LiveServer:
        self.server = LiveServer(self.directory, self.env).start(timeout_s=START_TIMEOUT_S)
        deadline = time.monotonic() + 20
        while self.server.health()["mqtt"] != "connected":
            if time.monotonic() > deadline:
                raise SystemExit("the FieldOps bridge did not connect")
            time.sleep(0.05)
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def drain_rate(self, messages: int) -> tuple[float, int]:
        """Start, wait until the backlog's south alarms count every message; (msg/s from its first commit, handled)."""
        self.start()
        db = sqlite3.connect(self.directory / "fieldops.db")
        try:
            handled = lambda: db.execute("SELECT coalesce(sum(count), 0) FROM alarms WHERE site_id = 'south'").fetchone()[0]  # noqa: E731
            deadline = time.monotonic() + DRAIN_TIMEOUT_S
            while handled() < messages and time.monotonic() < deadline:
                time.sleep(0.02)
            finished = datetime.now().astimezone()
            first = db.execute("SELECT min(first_seen) FROM alarms WHERE site_id = 'south'").fetchone()[0]
            total = handled()
        finally:
            db.close()
            self.stop()
        seconds = (finished - datetime.fromisoformat(first.replace("Z", "+00:00"))).total_seconds()
        return total / seconds, total


class NodeRed:
    """Node-RED from npm, started headless on the router files node_red_flow.py writes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.modules = npm_install(directory / "npm", NODE_RED_PACKAGES)
        self.node = node_at_least(directory / "node", NODE_RED_NEEDS_NODE)
        self.port = free_port()
        self.user_dir = directory / "node-red"
        self.proc: subprocess.Popen[bytes] | None = None
        self.version = json.loads((self.modules / "node-red" / "package.json").read_text())["version"]
        self.node_version = ".".join(map(str, node_version(self.node)))  # read now: the binary goes with the run's directory

    def write(self, broker: MosquittoBroker, subscription: dict, vapid_public: str, vapid_private: str) -> None:
        self.settings = write_router(self.user_dir, self.modules, self.port, broker.port, "fieldops", USERS["fieldops"],
                                     {"north": [subscription]}, vapid_public, vapid_private, "mailto:bench@example.com")

    def start(self) -> None:
        command = [self.node, str(self.modules / "node-red" / "red.js"), "--settings", str(self.settings),
                   "--userDir", str(self.user_dir), "--port", str(self.port), "flows.json"]
        with open(self.user_dir / "node-red.log", "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(command, cwd=self.user_dir, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"Node-RED exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}{COUNT_PATH}", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise SystemExit(f"Node-RED did not start within {START_TIMEOUT_S:.0f} s:\n{self.log()[-3000:]}")

    def counts(self) -> dict:
        return httpx.get(f"http://127.0.0.1:{self.port}{COUNT_PATH}", timeout=10).json()

    def log(self) -> str:
        path = self.user_dir / "node-red.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: a clean stop unsubscribes its MQTT session, and then no backlog would queue for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def drain_rate(self, messages: int) -> tuple[float, int]:
        """Start, wait until its function counted every backlog message; (msg/s from first to last, counted)."""
        self.start()
        try:
            deadline = time.monotonic() + DRAIN_TIMEOUT_S
            while (seen := self.counts())["count"] < messages and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            self.kill()
        return seen["count"] / max((seen["last"] - seen["first"]) / 1000, 1e-3), seen["count"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alarms", type=int, default=300, help="alarms measured one at a time, per router")
    parser.add_argument("--messages", type=int, default=20000, help="storm backlog size")
    parser.add_argument("--devices", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fieldops-peers-") as tmp, LocalPushService() as push:
        directory = Path(tmp)
        print(f"installing {' '.join(NODE_RED_PACKAGES)} from npm into {directory} ...", flush=True)
        red = NodeRed(directory)
        broker = MosquittoBroker(directory / "mqtt")
        ours: FieldOpsRouter | None = None
        subscription = push.subscribe()
        try:
            broker.start()
            ours = FieldOpsRouter(directory / "fieldops", broker, push)
            with Publisher(broker.url("tester"), client_id="bench-sensors") as publisher:
                server = ours.start()
                guard = server.login("guard")
                guard.ok("start_shift", site_id="north")
                assert guard.post("/api/v1/push/subscriptions", json=subscription).status_code == 201
                warm_up(publisher, push, "fieldops", server.log)
                ours_latency, _ = alarm_latencies(publisher, push, args.alarms, "fieldops")
                store = open_store(str(ours.directory / "fieldops.db"))
                try:
                    vapid_public, vapid_private = raw_vapid_keys(shared_vapid(store, ours.directory))
                finally:
                    store.close()
                ours.stop()
                publish_backlog(broker.url("tester"), args.messages, args.devices)
                ours_rate, ours_handled = ours.drain_rate(args.messages)

                red.write(broker, subscription, vapid_public, vapid_private)
                red.start()
                warm_up(publisher, push, "node-red", red.log)
                red_latency, _ = alarm_latencies(publisher, push, args.alarms, "node-red")
                red.kill()
                publish_backlog(broker.url("tester"), args.messages, args.devices)
                red_rate, red_handled = red.drain_rate(args.messages)
        finally:
            red.kill()
            if ours is not None:
                ours.stop()
            broker.stop()
    p = percentile
    print(f"alarm router, side by side in one run: {args.alarms} alarms one at a time; a backlog of {args.messages} messages from {args.devices} devices")
    print(f"  {'':38} {'FieldOps':>10} {'Node-RED 5':>11} {'ours/peer':>10}")
    for label, a, b in (("publish -> push arrived, p50 (ms)", p(ours_latency, .5), p(red_latency, .5)),
                        ("publish -> push arrived, p99 (ms)", p(ours_latency, .99), p(red_latency, .99))):
        print(f"  {label:38} {a:10.2f} {b:11.2f} {a / b:9.2f}x   (lower is better)")
    print(f"  {'storm backlog drained (msg/s)':38} {ours_rate:10.0f} {red_rate:11.0f} {ours_rate / red_rate:9.2f}x   (higher is better)")
    print(f"  handled: FieldOps {ours_handled}/{args.messages}, Node-RED {red_handled}/{args.messages}")
    print(f"  Node-RED {red.version} on node {red.node_version}; FieldOps on Python {sys.version.split()[0]}")
    print("  FieldOps commits each alarm (and its dedupe count) before acking it; Node-RED acks before its flow runs and keeps nothing")


if __name__ == "__main__":
    main()
