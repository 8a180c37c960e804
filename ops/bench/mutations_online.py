"""Benchmark: the online mutation path (HTTP → mutator → durable commit) against raw SQLite in the same run.

Run: .venv/bin/python ops/bench/mutations_online.py [N]   — prints mutations/s and the ratio to raw durable inserts.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.live_server import LiveServer, new_order_args  # noqa: E402
from tests.world import build_world  # noqa: E402


def raw_sqlite(directory: Path, rows: list[dict]) -> float:
    """The same rows, one durable transaction each (WAL, synchronous=FULL), no validation: the floor."""
    conn = sqlite3.connect(directory / "raw.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE wo (id TEXT PRIMARY KEY, site_id TEXT, unit TEXT, category TEXT, priority TEXT, title TEXT, description TEXT, reporter TEXT)")
    start = time.perf_counter()
    for r in rows:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO wo VALUES (?,?,?,?,?,?,?,?)", (r["id"], r["site_id"], r["unit"], r["category"], r["priority"], r["title"], r["description"], str(r["reporter"])))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def http_path(server: LiveServer, rows: list[dict], workers: int) -> float:
    clients = [server.login("disp") for _ in range(workers)]
    chunks = [rows[i::workers] for i in range(workers)]

    def send(pair: tuple) -> None:
        client, chunk = pair
        for args in chunk:
            r = client.mutate("create_work_order", **args)
            assert r.status_code == 200, r.text

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(send, zip(clients, chunks)))
    elapsed = time.perf_counter() - start
    for c in clients:
        c.close()
    return elapsed


def in_process(directory: Path, rows: list[dict]) -> float:
    """The same mutations through Services.mutate (mutator, render, durable commit) without HTTP."""
    from server.auth import load_actor
    from server.services import Services
    from server.settings import from_env

    services = Services(from_env(data_dir=str(directory / "inproc"), mqtt_url="off"))
    world = build_world(str(directory / "inproc" / "fieldops.db"))
    actor = services.store.read(lambda tx: load_actor(tx, world.users["disp"]))
    start = time.perf_counter()
    for args in rows:
        services.mutate(actor, "create_work_order", args)
    elapsed = time.perf_counter() - start
    services.close()
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        build_world(str(directory / "fieldops.db"))
        server = LiveServer(directory).start()
        try:
            raw_s = raw_sqlite(directory, [new_order_args() for _ in range(n)])
            inproc_s = in_process(directory, [new_order_args() for _ in range(n)])
            seq_s = http_path(server, [new_order_args() for _ in range(n)], 1)
            par_s = http_path(server, [new_order_args() for _ in range(n)], 8)
        finally:
            server.stop()
    print(f"online mutations (create_work_order), N={n}")
    print(f"  raw SQLite durable inserts : {n / raw_s:8.0f} rows/s   (baseline)")
    print(f"  in-process, no HTTP        : {n / inproc_s:8.0f} mutations/s  ratio {inproc_s / raw_s:5.2f}x raw time")
    print(f"  HTTP, 1 client             : {n / seq_s:8.0f} mutations/s  ratio {seq_s / raw_s:5.2f}x raw time")
    print(f"  HTTP, 8 clients            : {n / par_s:8.0f} mutations/s  ratio {par_s / raw_s:5.2f}x raw time")


if __name__ == "__main__":
    main()
