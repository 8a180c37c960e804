"""Benchmark: a technician's initial pull with 50,000 orders on the server (time, objects/s, bytes, the server's
peak memory), and a fleet of 200 concurrent clients polling with no changes (pulls/s, p50/p99), on loopback.

Run: .venv/bin/python ops/bench/sync_pull.py [ORDERS] [TECH_ORDERS] [CLIENTS] [SECONDS]
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ops.bench.sync_world import seed_world  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

# Devices of users with small views, so fetching their first cookies is quick; a no-change pull costs the same
# whatever the size of the view (the change log is empty past the cookie).
FLEET_USERS = ("tech", "tech_south", "guard")
# The escalation timer (reports area) re-plans every open order each FIELDOPS_ESCALATION_POLL_S; with 50,000 open
# orders that round holds the GIL for seconds, so the fleet is measured with it as configured and with it idle.
QUIET_TIMERS = {"FIELDOPS_ESCALATION_POLL_S": "86400"}


def initial_pull(server: LiveServer, username: str) -> tuple[float, int, int, int, str]:
    """Time, objects, bytes on the wire (gzip) and bytes of JSON for a cookie-null pull."""
    client = server.login(username)
    try:
        start = time.perf_counter()
        r = client.post("/api/v1/sync/pull", json={"client_id": f"bench-{username}", "cookie": None}, timeout=600)
        elapsed = time.perf_counter() - start
        assert r.status_code == 200, r.text
        return elapsed, len(r.json()["patch"]), r.num_bytes_downloaded, len(r.content), r.json()["cookie"]
    finally:
        client.close()


async def _keep_alive_client(host: str, port: int, request: bytes, stop_at: float, latencies: list[float]) -> None:
    """One polling device on one keep-alive connection; a bare HTTP/1.1 client so the load generator stays cheap."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")))
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            assert head.startswith(b"HTTP/1.1 200") and b'"patch":[]' in body, head + body
    finally:
        writer.close()


async def fleet(server: LiveServer, clients: int, seconds: float) -> tuple[int, list[float]]:
    """`clients` devices each polling with its own client id and an up-to-date cookie, as fast as answers come."""
    requests = []
    for name in FLEET_USERS:
        c = server.login(name)
        cookie = c.post("/api/v1/sync/pull", json={"client_id": "warm", "cookie": None}, timeout=600).json()["cookie"]
        requests.append((c.headers["Authorization"], cookie))
        c.close()
    latencies: list[float] = []
    host, port = "127.0.0.1", server.port
    start = time.perf_counter()
    tasks = []
    for i in range(clients):
        auth, cookie = requests[i % len(requests)]
        body = json.dumps({"client_id": f"fleet-{i}", "cookie": cookie}).encode()
        request = (f"POST /api/v1/sync/pull HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {auth}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        tasks.append(_keep_alive_client(host, port, request, start + seconds, latencies))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return int(len(latencies) / elapsed), latencies


def main() -> None:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    tech_orders = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
    with tempfile.TemporaryDirectory(prefix="fieldops-bench-") as tmp:
        directory = Path(tmp)
        start = time.perf_counter()
        seed_world(directory, tech_orders, others_share=(orders - tech_orders) / tech_orders)
        print(f"seeded {orders} orders ({tech_orders} dispatched to tech, the rest to tech_b) in {time.perf_counter() - start:.0f} s")
        server = LiveServer(directory).start()
        try:
            print(f"server memory after start: {rss_mib(server, 'VmRSS'):.0f} MiB")
            for who in ("tech", "tech_b"):
                elapsed, objects, wire, body, _ = initial_pull(server, who)
                print(f"initial pull as {who:<7} {elapsed:7.2f} s  {objects:6d} objects  {objects / elapsed:7.0f} objects/s  {body / 1e6:7.2f} MB JSON  "
                      f"{wire / 1e6:6.2f} MB on the wire (gzip)  {body / max(objects, 1):5.0f} B/object  server peak RSS {rss_mib(server, 'VmHWM'):.0f} MiB")
            report_fleet(server, clients, seconds, "default settings")
        finally:
            server.stop()
        server = LiveServer(directory, QUIET_TIMERS).start()
        try:
            report_fleet(server, clients, seconds, "escalation timer idle")
        finally:
            server.stop()


def rss_mib(server: LiveServer, field: str) -> float:
    """The server process's resident memory now (VmRSS) or at its peak so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settle(server: LiveServer, limit_s: float = 180.0) -> float:
    """Wait until the server's start-up work (first escalation round over every open order) is done:
    its CPU time grows by under 5% of a core over a second. Returns the seconds waited."""
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_s() -> float:
        fields = Path(f"/proc/{server.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        before = cpu_s()
        time.sleep(1.0)
        if cpu_s() - before < 0.05:
            break
    return time.perf_counter() - start


def report_fleet(server: LiveServer, clients: int, seconds: float, label: str) -> None:
    waited = settle(server)
    per_s, latencies = asyncio.run(fleet(server, clients, seconds))
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(f"no-change pulls, {clients} concurrent clients for {seconds:.0f} s ({label}): {per_s} pulls/s  p50 {p50:.1f} ms  p99 {p99:.1f} ms  ({len(latencies)} pulls; started after {waited:.0f} s of start-up work)")


if __name__ == "__main__":
    main()
