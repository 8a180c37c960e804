"""SQLite store: WAL mode, one writer connection behind a lock, a read connection per thread.

`synchronous=FULL` makes every commit fsync the WAL, so an acknowledged write survives power loss.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

import sqlite_utils

from server.store.migrate import migrate

T = TypeVar("T")

# A writer waits this long for another process's lock (backup, CLI) before failing.
BUSY_TIMEOUT_MS = 10_000


class SQLiteTx:
    __slots__ = ("conn", "_insert_sql")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._insert_sql: dict[tuple[str, tuple[str, ...]], str] = {}

    def execute(self, sql: str, params: Any = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self.conn.execute(sql, params)]

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def insert(self, table: str, row: dict[str, Any]) -> None:
        key = (table, tuple(row))
        sql = _INSERTS.get(key)
        if sql is None:
            cols = ", ".join(f'"{c}"' for c in row)
            marks = ", ".join("?" for _ in row)
            sql = _INSERTS[key] = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
        self.conn.execute(sql, tuple(row.values()))


_INSERTS: dict[tuple[str, tuple[str, ...]], str] = {}


def _connect(path: str, readonly: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # FULL: the WAL is fsynced at every commit (NORMAL would only sync at checkpoints and
    # could lose the last acknowledged transactions on power loss).
    conn.execute("PRAGMA synchronous = FULL")
    if readonly:
        conn.execute("PRAGMA query_only = ON")
    return conn


class SQLiteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(_connect(self.path))
        db.enable_wal()
        self._writer = db.conn
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self.write(migrate)

    @property
    def database(self) -> sqlite_utils.Database:
        """The writer as a sqlite-utils Database, for maintenance (CLI, backup); not for request paths."""
        return sqlite_utils.Database(self._writer)

    def write(self, work: Callable[[SQLiteTx], T]) -> T:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = work(SQLiteTx(conn))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

    def read(self, work: Callable[[SQLiteTx], T]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = _connect(self.path, readonly=True)
            with self._readers_lock:
                self._readers.append(conn)
        conn.execute("BEGIN")
        try:
            return work(SQLiteTx(conn))
        finally:
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # made in another thread that still holds it; closed with the process
            self._readers.clear()
        with self._write_lock:
            self._writer.close()


def wait_for_unlock(path: str, timeout_s: float = 5.0) -> None:
    """Block until the database accepts a write lock (used by tests that kill a server)."""
    deadline = time.monotonic() + timeout_s
    while True:
        conn = _connect(path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
        finally:
            conn.close()
