"""Benchmark: one device's 10,000 queued mutations through sync push, against raw SQLite durably inserting
the same rows in the same run.

Run: .venv/bin/python ops/bench/sync_push.py [N]   — prints times, mutations/s and the ratios.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ops.bench.sync_world import STEPS_PER_ORDER, offline_day, seed_world  # noqa: E402
from server.auth import load_actor  # noqa: E402
from server.clock import now_text  # noqa: E402
from server.store import open_store  # noqa: E402
from sync import PushRequest, apply_push  # noqa: E402
from sync.push import CHUNK_SIZE  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

PAGE = 1000  # mutations per HTTP request: a 10,000-step queue is sent in pages under the 2 MB body limit


def over_http(directory: Path, queue: list[dict[str, Any]]) -> float:
    server = LiveServer(directory).start()
    try:
        tech = server.login("tech")
        start = time.perf_counter()
        for first in range(0, len(queue), PAGE):
            page = queue[first:first + PAGE]
            r = tech.post("/api/v1/sync/push", json={"client_id": "bench-phone", "client_time": now_text(), "mutations": page}, timeout=300)
            assert r.status_code == 200 and r.json()["last_mutation_id"] == page[-1]["id"], r.text
        elapsed = time.perf_counter() - start
        tech.close()
    finally:
        server.stop()
    return elapsed


def in_process(directory: Path, queue: list[dict[str, Any]]) -> float:
    store = open_store(str(directory / "fieldops.db"))
    try:
        user = store.read(lambda tx: tx.one("SELECT id FROM users WHERE username = 'tech'"))["id"]
        actor = store.read(lambda tx: load_actor(tx, user))
        request = msgspec.convert({"client_id": "bench-phone", "client_time": now_text(), "mutations": queue}, PushRequest)
        start = time.perf_counter()
        result = apply_push(store, actor, request)
        elapsed = time.perf_counter() - start
        assert result.last_mutation_id == len(queue)
    finally:
        store.close()
    return elapsed


def produced_statements(directory: Path) -> list[list[tuple[str, tuple]]]:
    """What the push wrote, grouped per mutation: event, order update, change-log row, note/photo, queue position."""
    db = sqlite3.connect(directory / "fieldops.db")
    db.row_factory = sqlite3.Row
    assert db.execute("SELECT count(*) FROM sync_rejections").fetchone()[0] == 0, "the benchmark queue was refused"
    notes = {r["id"]: dict(r) for r in db.execute("SELECT * FROM notes")}
    photos = {r["sha256"]: dict(r) for r in db.execute("SELECT * FROM photos")}
    groups: list[list[tuple[str, tuple]]] = []
    for ev in db.execute("SELECT * FROM wo_events WHERE data LIKE '%\"origin\"%' ORDER BY seq"):
        data = json.loads(ev["data"])
        statements = [
            ("INSERT INTO wo_events (work_order_id, n, name, actor_id, occurred_at, recorded_at, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
             (ev["work_order_id"], ev["n"], ev["name"], ev["actor_id"], ev["occurred_at"], ev["recorded_at"], ev["data"], ev["prev_hash"], ev["hash"])),
            ("UPDATE work_orders SET status = ?, last_occurred_at = ?, updated_at = ? WHERE id = ?",
             (data.get("to", "x"), ev["occurred_at"], ev["recorded_at"], ev["work_order_id"])),
            ("INSERT INTO changes (type, obj_id) VALUES ('work_order', ?)", (ev["work_order_id"],)),
            ("UPDATE sync_clients SET last_mutation_id = ? WHERE user_id = 'u' AND client_id = 'c'", (data["origin"]["mutation_id"],)),
        ]
        if "note_id" in data:
            n = notes[data["note_id"]]
            statements.append(("INSERT INTO notes VALUES (?,?,?,?,?,?)", (n["id"], n["work_order_id"], n["author_id"], n["text"], n["occurred_at"], n["recorded_at"])))
        if ev["name"] == "attach_photo":
            p = photos[data["sha256"]]
            statements.append(("INSERT INTO photos VALUES (?,?,?,?,?,?)", (p["work_order_id"], p["sha256"], p["kind"], p["taken_at"], p["added_by"], p["recorded_at"])))
        groups.append(statements)
    orders = [tuple(r) for r in db.execute("SELECT * FROM work_orders")]
    db.close()
    return groups, orders


def raw_sqlite(directory: Path, groups: list[list[tuple[str, tuple]]], orders: list[tuple], per_commit: int) -> float:
    """The same rows into the same schema (WAL, synchronous=FULL), `per_commit` mutations per durable commit; no logic."""
    path = directory / f"raw-{per_commit}.db"
    open_store(str(path)).close()  # the same tables and indexes, made by the migrations
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO work_orders VALUES ({','.join('?' * len(orders[0]))})", orders)
    conn.execute("COMMIT")
    start = time.perf_counter()
    for first in range(0, len(groups), per_commit):
        conn.execute("BEGIN IMMEDIATE")
        for statements in groups[first:first + per_commit]:
            for sql, params in statements:
                conn.execute(sql, params)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    orders = -(-count // STEPS_PER_ORDER)
    with tempfile.TemporaryDirectory(prefix="fieldops-bench-") as tmp:
        http_dir, engine_dir = Path(tmp, "http"), Path(tmp, "engine")
        http_dir.mkdir()
        engine_dir.mkdir()
        queue = offline_day(seed_world(http_dir, orders), count)
        engine_queue = offline_day(seed_world(engine_dir, orders), count)
        print(f"queue: {len(queue)} mutations over {orders} orders (accept, arrive, confirm_scope, attach_photo, add_note, complete, add_note)")
        http_s = over_http(http_dir, queue)
        engine_s = in_process(engine_dir, engine_queue)
        groups, order_rows = produced_statements(http_dir)
        raw_chunked = raw_sqlite(Path(tmp), groups, order_rows, CHUNK_SIZE)
        raw_each = raw_sqlite(Path(tmp), groups, order_rows, 1)
    print(f"sync push over HTTP ({PAGE}/request):  {http_s:7.2f} s  {count / http_s:8.0f} mutations/s")
    print(f"sync engine in-process:               {engine_s:7.2f} s  {count / engine_s:8.0f} mutations/s")
    print(f"raw SQLite, same rows, {CHUNK_SIZE}/commit:     {raw_chunked:7.2f} s  {count / raw_chunked:8.0f} mutations/s")
    print(f"raw SQLite, same rows, 1/commit:       {raw_each:7.2f} s  {count / raw_each:8.0f} mutations/s")
    print(f"ratio HTTP push / raw {CHUNK_SIZE}-per-commit: {http_s / raw_chunked:5.1f}x   engine / raw {CHUNK_SIZE}-per-commit: {engine_s / raw_chunked:5.1f}x")
    print(f"ratio HTTP push / raw 1-per-commit:   {http_s / raw_each:5.2f}x   engine / raw 1-per-commit:   {engine_s / raw_each:5.2f}x")


if __name__ == "__main__":
    main()
