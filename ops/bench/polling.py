"""Benchmark: phones polling with nothing new. A fleet of devices each on its own keep-alive connection pulls with an
up-to-date cookie as fast as answers come; the same fleet against a bare Litestar route doing nothing in the same
server process is the floor. Then many devices held open at once, each pulling now and then: errors, and the
server's memory per device.

Run: .venv/bin/python ops/bench/polling.py [--clients 200] [--seconds 10] [--held 2000] [--held-seconds 20]
Goals: >= 2,000 pulls/s and p99 <= 50 ms with 200 devices; 2,000 held open without errors.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ops.bench.noop_server import NOOP_PATH, NoopServer  # noqa: E402
from ops.bench.raw_http import content_length, poll_until, request_bytes  # noqa: E402
from tests.world import build_world  # noqa: E402

# Devices of users with small views; a no-change pull costs the same whatever the size of the view.
FLEET_USERS = ("tech", "tech_south", "guard")
# The escalation timer's rounds are not what this measures.
QUIET_TIMERS = {"FIELDOPS_ESCALATION_POLL_S": "86400"}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def quiet_answer(head: bytes, body: bytes) -> None:
    assert head.startswith(b"HTTP/1.1 200") and b'"patch":[]' in body, head + body


def fleet_requests(server: NoopServer, count: int) -> list[bytes]:
    """One pull request per device, each with its own client id and its user's current cookie."""
    users = []
    for name in FLEET_USERS:
        client = server.login(name)
        token = client.headers["Authorization"].split(" ", 1)[1]
        cookie = client.post("/api/v1/sync/pull", json={"client_id": "warm", "cookie": None}, timeout=600).json()["cookie"]
        users.append((token, cookie))
    return [request_bytes("POST", "/api/v1/sync/pull", server.port, users[i % len(users)][0],
                          {"client_id": f"device-{i}", "cookie": users[i % len(users)][1]}) for i in range(count)]


async def hammer(port: int, requests: list[bytes], seconds: float, check=None) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    opened = asyncio.Event()
    stop_at = time.perf_counter() + seconds + 1.0
    tasks = [asyncio.create_task(poll_until(port, r, stop_at, latencies, check, opened)) for r in requests]
    await asyncio.sleep(1.0)  # every connection open before the clock starts
    latencies.clear()
    start = time.perf_counter()
    opened.set()
    await asyncio.gather(*tasks)
    return len(latencies) / (time.perf_counter() - start), latencies


async def held_open(port: int, requests: list[bytes], seconds: float, every_s: float, pid: int) -> tuple[list[str], int, int, int, list[float]]:
    """All devices connect and stay connected, each pulling every `every_s` (jittered). Returns errors, pulls,
    server RSS (KiB) before connecting and while all are held, and the latencies."""
    errors: list[str] = []
    pulls, latencies = [0], []
    before = rss_kib(pid)
    connections = []
    for start in range(0, len(requests), 200):  # in waves, as a fleet reconnecting after a network cut would
        connections += await asyncio.gather(*[asyncio.open_connection("127.0.0.1", port) for _ in requests[start:start + 200]],
                                            return_exceptions=True)
    errors += [f"connect: {type(c).__name__}: {c}" for c in connections if isinstance(c, BaseException)]
    stop_at = time.perf_counter() + seconds

    async def device(connection, request: bytes) -> None:  # type: ignore[no-untyped-def]
        reader, writer = connection
        try:
            await asyncio.sleep(random.uniform(0, every_s))
            while time.perf_counter() < stop_at:
                sent = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                body = await reader.readexactly(content_length(head))
                latencies.append(time.perf_counter() - sent)
                quiet_answer(head, body)
                pulls[0] += 1
                await asyncio.sleep(max(0.0, every_s - (time.perf_counter() - sent)) * random.uniform(0.8, 1.2))
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        finally:
            writer.close()

    tasks = [asyncio.create_task(device(c, r)) for c, r in zip(connections, requests) if not isinstance(c, BaseException)]
    await asyncio.sleep(seconds / 2)
    held = rss_kib(pid)
    await asyncio.gather(*tasks)
    return errors, pulls[0], before, held, latencies


def ms(latencies: list[float], q: float) -> float:
    ordered = sorted(latencies)
    return (statistics.median(ordered) if q == 0.5 else ordered[min(len(ordered) - 1, int(len(ordered) * q))]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--held", type=int, default=2000)
    parser.add_argument("--held-seconds", type=float, default=20.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between one held device's pulls")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fieldops-bench-") as tmp:
        directory = Path(tmp)
        build_world(str(directory / "fieldops.db"))
        server = NoopServer(directory, QUIET_TIMERS).start()
        try:
            port = server.port
            noop = [request_bytes("GET", NOOP_PATH, port) for _ in range(args.clients)]  # a POST no-op stalled under concurrency
            pulls = fleet_requests(server, max(args.clients, args.held))
            # Warmed alike (each device's first pull is an ordinary one), then measured back to back.
            asyncio.run(hammer(port, noop, 2.0))
            asyncio.run(hammer(port, pulls[:args.clients], 2.0, quiet_answer))
            floor_rate, floor = asyncio.run(hammer(port, noop, args.seconds))
            rate, latencies = asyncio.run(hammer(port, pulls[:args.clients], args.seconds, quiet_answer))
            errors, held_pulls, before, held, held_latencies = asyncio.run(
                held_open(port, pulls[:args.held], args.held_seconds, args.every, server.proc.pid))
        finally:
            server.stop()
    print(f"no-change pulls, {args.clients} devices on keep-alive connections, {args.seconds:.0f} s each, same server process:")
    print(f"  floor: bare Litestar no-op GET    {floor_rate:7.0f} req/s   p50 {ms(floor, .5):6.1f} ms   p99 {ms(floor, .99):6.1f} ms")
    print(f"  POST /api/v1/sync/pull (quiet)    {rate:7.0f} pulls/s p50 {ms(latencies, .5):6.1f} ms   p99 {ms(latencies, .99):6.1f} ms"
          f"   ({rate / floor_rate:.2f}x the floor's rate; goal >= 2,000/s, p99 <= 50 ms)")
    print(f"  {args.held} devices held open for {args.held_seconds:.0f} s, one pull each every ~{args.every:.0f} s: {held_pulls} pulls,"
          f" {len(errors)} errors, p99 {ms(held_latencies, .99) if held_latencies else float('nan'):.1f} ms;"
          f" server RSS {before / 1024:.0f} -> {held / 1024:.0f} MiB = {(held - before) / max(args.held, 1):.1f} KiB per device")
    for error in sorted(set(errors))[:5]:
        print(f"    error: {error}")


if __name__ == "__main__":
    main()
