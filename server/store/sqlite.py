"""SQLite store: WAL mode, one writer connection with group commit, a read connection per thread.

`synchronous=FULL` makes every commit fsync the WAL, so an acknowledged write survives power loss;
writes that queue up while one commits share the next transaction (each in its own savepoint) and its fsync.
"""

from __future__ import annotations

import contextlib
import contextvars
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import sqlite_utils

from server.clock import now_text
from server.errors import AppError
from server.store.errors import ConstraintViolation, DatabaseError
from server.store.guard import FileIdentity, free_space_problem, mark_existing, refuse_if_lost, storage_failure
from server.store.migrate import migrate

T = TypeVar("T")

# A writer waits this long for another process's lock (backup, CLI) before failing.
BUSY_TIMEOUT_MS = 10_000
# Writes sharing one commit at most: bounds how long the first of them waits for the rest.
MAX_GROUP = 64
# /health's write probe (one fsync) runs at most this often: anyone may call /health, so calling it in a
# loop must not turn into a stream of fsyncs; a failed probe is retried at the next call.
PROBE_EVERY_S = 1.0


class _Pending:
    """One caller's write waiting for (or done by) the group commit; runs in the caller's context."""

    __slots__ = ("work", "context", "done", "result", "error")

    def __init__(self, work: Callable[..., Any]) -> None:
        self.work = work
        self.context = contextvars.copy_context()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class SQLiteTx:
    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Any = ()) -> int:
        with _store_errors():
            return self.conn.execute(sql, params).rowcount

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        with _store_errors():
            return [dict(row) for row in self.conn.execute(sql, params)]

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        with _store_errors():
            row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def insert(self, table: str, row: dict[str, Any], returning: str | None = None) -> Any:
        key = (table, tuple(row), returning)
        sql = _INSERTS.get(key)
        if sql is None:
            cols = ", ".join(f'"{c}"' for c in row)
            marks = ", ".join("?" for _ in row)
            sql = _INSERTS[key] = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})' + (f' RETURNING "{returning}"' if returning else "")
        with _store_errors():
            cursor = self.conn.execute(sql, tuple(row.values()))
            return cursor.fetchone()[0] if returning else None

    def json_text(self, column: str, *path: str) -> str:
        return f"json_extract({column}, '$.{'.'.join(path)}')"


@contextlib.contextmanager
def _store_errors() -> Iterator[None]:
    """The driver's errors as the store's own (server/store/errors.py); the sqlite3 error stays the cause."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise ConstraintViolation(str(exc)) from exc
    except sqlite3.Error as exc:
        raise DatabaseError(str(exc)) from exc


_INSERTS: dict[tuple[str, tuple[str, ...], str | None], str] = {}


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
        refuse_if_lost(self.path)
        db = sqlite_utils.Database(_connect(self.path))
        db.enable_wal()
        self._writer = db.conn
        self._write_lock = threading.Lock()
        self._pending: list[_Pending] = []
        self._pending_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._identity = FileIdentity(self.path)
        self._probed_at = float("-inf")
        self.write(migrate)
        self._identity.remember_sidecars()
        mark_existing(self.path)

    @property
    def database(self) -> sqlite_utils.Database:
        """The writer as a sqlite-utils Database, for maintenance (CLI, backup); not for request paths."""
        return sqlite_utils.Database(self._writer)

    def write(self, work: Callable[[SQLiteTx], T]) -> T:
        item = _Pending(work)
        with self._pending_lock:
            self._pending.append(item)
        with self._write_lock:
            # Whoever holds the writer commits every write queued so far; ours may already be done.
            while not item.done:
                with self._pending_lock:
                    batch, self._pending = self._pending[:MAX_GROUP], self._pending[MAX_GROUP:]
                self._commit_group(batch)
        if item.error is not None:
            failure = storage_failure(item.error)
            if failure is not None:
                raise failure from item.error
            if isinstance(item.error, sqlite3.Error):  # BEGIN or COMMIT failed: outside any statement of the work
                raise DatabaseError(str(item.error)) from item.error
            raise item.error
        return item.result

    def _commit_group(self, batch: list[_Pending]) -> None:
        conn, tx = self._writer, SQLiteTx(self._writer)
        alone = len(batch) == 1
        try:
            self._identity.check()  # do not write into a file that is no longer the database
            conn.execute("BEGIN IMMEDIATE")
            for item in batch:
                if not alone:
                    conn.execute("SAVEPOINT write")
                try:
                    item.result = item.context.run(item.work, tx)
                except BaseException as exc:
                    item.error = exc
                    if alone:
                        raise
                    conn.execute("ROLLBACK TO write")
                if not alone:
                    conn.execute("RELEASE write")
            conn.execute("COMMIT")
            self._identity.check()  # deleted meanwhile: committed into a file nobody will read, so not acknowledged
        except BaseException as exc:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # a failing disk can fail the rollback too; what matters is that no write below counts as done
            for item in batch:
                if item.error is None:
                    item.error = exc
                    item.result = None
        finally:
            for item in batch:
                item.done = True

    def read(self, work: Callable[[SQLiteTx], T]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is None or self._identity.lost:
            # A new reader must open the file the writer writes into, not one put in its place; once lost, none is read.
            self._identity.check()
        if conn is None:
            conn = self._local.conn = _connect(self.path, readonly=True)
            with self._readers_lock:
                self._readers.append(conn)
        try:
            conn.execute("BEGIN")
            try:
                return work(SQLiteTx(conn))
            finally:
                conn.execute("COMMIT")
        except (sqlite3.Error, DatabaseError) as exc:
            failure = storage_failure(exc)
            if failure is not None:
                raise failure from exc
            if isinstance(exc, sqlite3.Error):
                raise DatabaseError(str(exc)) from exc
            raise

    def health(self) -> AppError | None:
        """Why writes would fail now (file lost, disk full, a probe write failing), or None when they work."""
        try:
            self._identity.check()
            problem = free_space_problem(self.path)
            if problem is None and time.monotonic() - self._probed_at >= PROBE_EVERY_S:
                self.write(lambda tx: tx.execute("INSERT INTO storage_probe (id, written_at) VALUES (1, ?)"
                                                 " ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at", (now_text(),)))
                self._probed_at = time.monotonic()
            return problem
        except AppError as exc:
            return exc

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
