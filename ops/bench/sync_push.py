"""Benchmark: one device's 10,000 queued mutations through sync push, against the raw driver durably inserting
the same rows in the same run — on SQLite (raw sqlite3) and on PostgreSQL (raw psycopg), one after the other.

Run: .venv/bin/python ops/bench/sync_push.py [N]   — prints times, mutations/s and the ratios per backend.
PostgreSQL: FIELDOPS_BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres) may create databases;
the benchmark makes its own and drops them. `--sqlite-only` skips it.
"""

from __future__ import annotations

import json
import os
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
from sync import apply_push  # noqa: E402
from sync.push import CHUNK_SIZE, push_decoder  # noqa: E402
from server.store.postgres import translate  # noqa: E402
from tests.live_server import LiveServer  # noqa: E402

PG_ADMIN_URL = os.environ.get("FIELDOPS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

PAGE = 1000  # mutations per HTTP request: a 10,000-step queue is sent in pages under the 2 MB body limit


class Databases:
    """Where each run's database lives: SQLite files in the temporary directory, or PostgreSQL databases made here."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend, self.tmp, self.made = backend, tmp, []

    def location(self, name: str) -> str:
        if self.backend == "sqlite":
            return str(self.tmp / name / "fieldops.db")
        import psycopg

        db = f"fobench_{os.getpid()}_{name.replace('-', '_')}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
            conn.execute(f'CREATE DATABASE "{db}" TEMPLATE template0 ENCODING \'UTF8\' LOCALE \'C\'')
        self.made.append(db)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + db

    def drop(self) -> None:
        if self.made:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                for db in self.made:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def over_http(directory: Path, location: str, queue: list[dict[str, Any]], start_timeout_s: float = 60.0) -> float:
    """Seconds to push `queue` (PAGE mutations per request) to a server on `location` (a file or a PostgreSQL URL)."""
    env = {"FIELDOPS_DATABASE_URL": location} if location.startswith("postgresql://") else {"FIELDOPS_DATABASE_URL": ""}
    server = LiveServer(directory, env).start(timeout_s=start_timeout_s)
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


def in_process(location: str, queue: list[dict[str, Any]]) -> float:
    store = open_store(location)
    try:
        user = store.read(lambda tx: tx.one("SELECT id FROM users WHERE username = 'tech'"))["id"]
        actor = store.read(lambda tx: load_actor(tx, user))
        body = msgspec.json.encode({"client_id": "bench-phone", "client_time": now_text(), "mutations": queue})
        start = time.perf_counter()
        result = apply_push(store, actor, push_decoder().decode(body))  # decoded as the HTTP door decodes it
        elapsed = time.perf_counter() - start
        assert result.last_mutation_id == len(queue)
    finally:
        store.close()
    return elapsed


def produced_statements(location: str) -> tuple[list[list[tuple[str, tuple]]], list[dict[str, Any]]]:
    """What the push wrote, grouped per mutation: event, order update, change-log row, note/photo, queue position."""
    store = open_store(location)
    try:
        def rows(tx: Any) -> tuple[list, list, list, list, list]:
            return (tx.query("SELECT code, count(*) AS n FROM sync_rejections GROUP BY code"), tx.query("SELECT * FROM notes"), tx.query("SELECT * FROM photos"),
                    tx.query("SELECT * FROM wo_events WHERE data LIKE '%\"origin\"%' ORDER BY seq"), tx.query("SELECT * FROM work_orders"))

        rejected, note_rows, photo_rows, events, orders = store.read(rows)
    finally:
        store.close()
    assert not rejected, f"the benchmark queue was refused: {rejected}"
    notes = {r["id"]: r for r in note_rows}
    photos = {r["sha256"]: r for r in photo_rows}
    groups: list[list[tuple[str, tuple]]] = []
    for ev in events:
        data = json.loads(ev["data"])
        statements = [
            ("INSERT INTO wo_events (work_order_id, n, name, actor_id, occurred_at, recorded_at, data, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)",
             (ev["work_order_id"], ev["n"], ev["name"], ev["actor_id"], ev["occurred_at"], ev["recorded_at"], ev["data"], ev["prev_hash"], ev["hash"])),
            ("UPDATE work_orders SET status = ?, last_occurred_at = ?, updated_at = ? WHERE id = ?",
             (data.get("to", "x"), ev["occurred_at"], ev["recorded_at"], ev["work_order_id"])),
            ("UPDATE change_counter SET version = version + 1 WHERE id = 1 RETURNING version", ()),
            ("INSERT INTO changes (type, obj_id) VALUES ('work_order', ?)", (ev["work_order_id"],)),
            ("UPDATE sync_clients SET last_mutation_id = ? WHERE user_id = 'u' AND client_id = 'c'", (data["origin"]["mutation_id"],)),
        ]
        if "note_id" in data:
            n = notes[data["note_id"]]
            statements.append(("INSERT INTO notes (id, work_order_id, author_id, text, occurred_at, recorded_at) VALUES (?,?,?,?,?,?)",
                               (n["id"], n["work_order_id"], n["author_id"], n["text"], n["occurred_at"], n["recorded_at"])))
        if ev["name"] == "attach_photo":
            p = photos[data["sha256"]]
            statements.append(("INSERT INTO photos (work_order_id, sha256, kind, taken_at, added_by, recorded_at) VALUES (?,?,?,?,?,?)",
                               (p["work_order_id"], p["sha256"], p["kind"], p["taken_at"], p["added_by"], p["recorded_at"])))
        groups.append(statements)
    return groups, orders


def _orders_sql(orders: list[dict[str, Any]], mark: str) -> tuple[str, list[tuple]]:
    cols = list(orders[0])
    return (f"INSERT INTO work_orders ({', '.join(cols)}) VALUES ({', '.join(mark for _ in cols)})", [tuple(o[c] for c in cols) for o in orders])


def raw_sqlite(location: str, groups: list[list[tuple[str, tuple]]], orders: list[dict[str, Any]], per_commit: int) -> float:
    """The same rows into the same schema (WAL, synchronous=FULL), `per_commit` mutations per durable commit; no logic."""
    open_store(location).close()  # the same tables and indexes, made by the migrations
    conn = sqlite3.connect(location, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN")
    conn.executemany(*_orders_sql(orders, "?"))
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


def raw_psycopg(location: str, groups: list[list[tuple[str, tuple]]], orders: list[dict[str, Any]], per_commit: int) -> float:
    """The same rows with psycopg alone (synchronous_commit=on, foreign keys not checked), `per_commit` per commit."""
    import psycopg

    open_store(location).close()
    with psycopg.connect(location, options="-c synchronous_commit=on") as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign-key triggers: rows only, as raw SQLite
        with conn.cursor() as cur:
            cur.executemany(*_orders_sql(orders, "%s"))
        conn.commit()
        prepared = [[(translate(sql), params) for sql, params in statements] for statements in groups]
        start = time.perf_counter()
        for first in range(0, len(prepared), per_commit):
            for statements in prepared[first:first + per_commit]:
                for sql, params in statements:
                    conn.execute(sql, params)
            conn.commit()
        return time.perf_counter() - start


def run(backend: str, tmp: Path, count: int) -> None:
    orders = -(-count // STEPS_PER_ORDER)
    databases = Databases(backend, tmp / backend)
    try:
        http_dir, engine_dir = tmp / backend / "http", tmp / backend / "engine"
        http_dir.mkdir(parents=True)
        engine_dir.mkdir(parents=True)
        http_db, engine_db = databases.location("http"), databases.location("engine")
        queue = offline_day(seed_world(http_dir, orders, location=http_db), count)
        engine_queue = offline_day(seed_world(engine_dir, orders, location=engine_db), count)
        http_s = over_http(http_dir, http_db, queue)
        engine_s = in_process(engine_db, engine_queue)
        groups, order_rows = produced_statements(http_db)
        raw = raw_sqlite if backend == "sqlite" else raw_psycopg
        for name in ("raw-chunked", "raw-each"):
            (tmp / backend / name).mkdir()
        raw_chunked = raw(databases.location("raw-chunked"), groups, order_rows, CHUNK_SIZE)
        raw_each = raw(databases.location("raw-each"), groups, order_rows, 1)
    finally:
        databases.drop()
    driver = "raw sqlite3 " if backend == "sqlite" else "raw psycopg "
    print(f"== {backend}")
    print(f"sync push over HTTP ({PAGE}/request):  {http_s:7.2f} s  {count / http_s:8.0f} mutations/s")
    print(f"sync engine in-process:               {engine_s:7.2f} s  {count / engine_s:8.0f} mutations/s")
    print(f"{driver}same rows, {CHUNK_SIZE}/commit:    {raw_chunked:7.2f} s  {count / raw_chunked:8.0f} mutations/s")
    print(f"{driver}same rows, 1/commit:      {raw_each:7.2f} s  {count / raw_each:8.0f} mutations/s")
    print(f"ratio HTTP push / raw {CHUNK_SIZE}-per-commit: {http_s / raw_chunked:5.1f}x   engine / raw {CHUNK_SIZE}-per-commit: {engine_s / raw_chunked:5.1f}x")
    print(f"ratio HTTP push / raw 1-per-commit:   {http_s / raw_each:5.2f}x   engine / raw 1-per-commit:   {engine_s / raw_each:5.2f}x")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 10_000
    print(f"queue: {count} mutations over {-(-count // STEPS_PER_ORDER)} orders "
          "(accept, arrive, confirm_scope, attach_photo, add_note, complete, add_note)")
    with tempfile.TemporaryDirectory(prefix="fieldops-bench-") as tmp:
        for backend in ("sqlite",) if "--sqlite-only" in sys.argv else ("sqlite", "postgres"):
            run(backend, Path(tmp), count)


if __name__ == "__main__":
    main()
