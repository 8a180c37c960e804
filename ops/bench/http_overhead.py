"""Benchmark: what HTTP adds to a request, against a bare Litestar route doing nothing in the same server process.

One keep-alive client, one request at a time, the kinds interleaved round by round (the machine's noise hits them
alike): the no-op route (GET, and POST with a JSON body), an authenticated no-op (`POST /auth/me`: token, actor,
answer), a cheap authenticated read (`GET /work-orders/{id}`) and an online mutation (`create_work_order`: each one
as big as the last, where notes on one order would grow it). The read's and the
mutation's own work is timed in process on a copy of the same world; HTTP overhead = round trip − that work.
Goal: the overhead of each within 2x the no-op route's round trip.

Run: .venv/bin/python ops/bench/http_overhead.py [ROUNDS] [PER_ROUND] [--profile FILE]  (py-spy samples the server)
"""

from __future__ import annotations

import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ops.bench.noop_server import NOOP_PATH, NoopServer  # noqa: E402
from ops.bench.raw_http import KeepAlive, request_bytes  # noqa: E402
from tests.live_server import new_order_args  # noqa: E402
from tests.world import build_world  # noqa: E402


def in_process(directory: Path, count: int) -> tuple[list[float], list[float]]:
    """The read's and the mutation's own work (Services, no HTTP) on a world of its own: seconds each."""
    from server.auth import load_actor
    from server.domain.queries import get_order
    from server.services import Services
    from server.settings import from_env

    world = build_world(str(directory / "inproc" / "fieldops.db"))
    services = Services(from_env(data_dir=str(directory / "inproc"), mqtt_url="off"))
    try:
        actor = services.store.read(lambda tx: load_actor(tx, world.users["disp"]))
        order = services.mutate(actor, "create_work_order", new_order_args())["id"]
        reads, writes = [], []
        for _ in range(count):
            start = time.perf_counter()
            services.read(get_order, actor, order, services.sla_targets)  # as the route reads it
            reads.append(time.perf_counter() - start)
            args = new_order_args()
            start = time.perf_counter()
            services.mutate(actor, "create_work_order", args)
            writes.append(time.perf_counter() - start)
        return reads, writes
    finally:
        services.close()


def ms(samples: list[float], q: float = 0.5) -> float:
    ordered = sorted(samples)
    return (statistics.median(ordered) if q == 0.5 else ordered[min(len(ordered) - 1, int(len(ordered) * q))]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rounds", type=int, nargs="?", default=10)
    parser.add_argument("per_round", type=int, nargs="?", default=200)
    parser.add_argument("--profile", help="py-spy raw samples of the server while it is measured, to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fieldops-bench-") as tmp:
        directory = Path(tmp)
        build_world(str(directory / "fieldops.db"))
        server = NoopServer(directory, {"FIELDOPS_ESCALATION_POLL_S": "86400"}).start()
        spy = None
        try:
            disp = server.login("disp")
            token = disp.headers["Authorization"].split(" ", 1)[1]
            order = disp.ok("create_work_order", **new_order_args())["id"]
            port = server.port
            kinds = {
                "no-op GET": lambda: request_bytes("GET", NOOP_PATH, port),
                "no-op POST (JSON body)": lambda: request_bytes("POST", NOOP_PATH, port, body={"client_id": "x", "cookie": None}),
                "POST /auth/me (token only)": lambda: request_bytes("POST", "/api/v1/auth/me", port, token),
                "GET /work-orders/{id}": lambda: request_bytes("GET", f"/api/v1/work-orders/{order}", port, token),
                "POST /mutations/create_work_order": lambda: request_bytes("POST", "/api/v1/mutations/create_work_order", port, token,
                                                                           new_order_args()),
            }
            times: dict[str, list[float]] = {name: [] for name in kinds}
            client = KeepAlive(port)
            for make in kinds.values():  # warm every path (first-request work, caches)
                for _ in range(50):
                    status, body, _ = client.send(make())
                    assert status in (200, 201), body
            if args.profile:
                spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(server.proc.pid), "--format", "raw", "--rate", "250",
                                        "--output", args.profile, "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
                time.sleep(1.0)  # py-spy attaches before the measured requests start
            for _ in range(args.rounds):
                for name, make in kinds.items():
                    for _ in range(args.per_round):
                        status, body, elapsed = client.send(make())
                        assert status in (200, 201), body
                        times[name].append(elapsed)
            client.close()
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)  # py-spy writes its samples when interrupted
                spy.wait(60)
            server.stop()
        reads, writes = in_process(directory, args.rounds * args.per_round // 4)
    noop = ms(times["no-op GET"])
    work = {"GET /work-orders/{id}": ms(reads), "POST /mutations/create_work_order": ms(writes)}
    print(f"HTTP overhead per request, one keep-alive client, {args.rounds} rounds x {args.per_round} of each, same server process")
    print(f"  {'request':<34} {'p50 ms':>8} {'p99 ms':>8} {'own work':>9} {'overhead':>9} {'x no-op':>8}")
    for name, samples in times.items():
        own = work.get(name, 0.0)
        overhead = ms(samples) - own
        print(f"  {name:<34} {ms(samples):8.3f} {ms(samples, .99):8.3f} {own:9.3f} {overhead:9.3f} {overhead / noop:7.2f}x")
    print("  (own work: the same read / mutation through Services in process, p50; goal: overhead <= 2x the no-op GET)")


if __name__ == "__main__":
    main()
