"""SQLite store: WAL mode, one writer connection with group commit, a read connection per thread.

`synchronous=FULL` makes every commit fsync the WAL, so an acknowledged write survives power loss;
writes that queue up while one commits share the next transaction (each in its own savepoint) and its fsync.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import sqlite_utils

from server.clock import now_text
from server.errors import AppError
from server.store.errors import ConstraintViolation, DatabaseError
from server.store.group_commit import GroupCommit, Pending, commit_batch
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


class SQLiteTx:
    __slots__ = ("conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # The driver's errors as the store's own (server/store/errors.py), the sqlite3 error kept as the cause; written
    # out in each method, not as a context manager, because these run a dozen times per mutation.
    def execute(self, sql: str, params: Any = ()) -> int:
        try:
            return self.conn.execute(sql, params).rowcount
        except sqlite3.Error as exc:
            raise _store_error(exc) from exc

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        try:
            cursor = self._tuples(sql, params)
            if cursor.description is None:  # a statement that answers no rows
                return []
            names = _names(cursor)
            if isinstance(names, list):
                return [dict(zip(names, row)) for row in cursor]
            return [{name: row[i] for name, i in names.items()} for row in cursor]
        except sqlite3.Error as exc:
            raise _store_error(exc) from exc

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        try:
            cursor = self._tuples(sql, params)
            row = cursor.fetchone()
        except sqlite3.Error as exc:
            raise _store_error(exc) from exc
        if row is None:
            return None
        names = _names(cursor)
        return dict(zip(names, row)) if isinstance(names, list) else {name: row[i] for name, i in names.items()}

    def _tuples(self, sql: str, params: Any) -> sqlite3.Cursor:
        # Rows as plain tuples zipped with the column names: 3-4x cheaper than dict(sqlite3.Row) over the 60 columns
        # of an order, which a pull of 50,000 orders does 50,000 times.
        cursor = self.conn.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params)

    def insert(self, table: str, row: dict[str, Any], returning: str | None = None) -> Any:
        key = (table, tuple(row), returning)
        sql = _INSERTS.get(key)
        if sql is None:
            cols = ", ".join(f'"{c}"' for c in row)
            marks = ", ".join("?" for _ in row)
            sql = _INSERTS[key] = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})' + (f' RETURNING "{returning}"' if returning else "")
        try:
            cursor = self.conn.execute(sql, tuple(row.values()))
            return cursor.fetchone()[0] if returning else None
        except sqlite3.Error as exc:
            raise _store_error(exc) from exc

    def json_text(self, column: str, *path: str) -> str:
        return f"json_extract({column}, '$.{'.'.join(path)}')"


def _names(cursor: sqlite3.Cursor) -> list[str] | dict[str, int]:
    """The columns of a result; where a name repeats (a join), the first column of that name, as sqlite3.Row answers."""
    names = [d[0] for d in cursor.description]
    if len(set(names)) == len(names):
        return names
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        first.setdefault(name, i)
    return first


def _store_error(exc: sqlite3.Error) -> DatabaseError:
    return ConstraintViolation(str(exc)) if isinstance(exc, sqlite3.IntegrityError) else DatabaseError(str(exc))


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
        self._group = GroupCommit(MAX_GROUP)
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
        item = self._group.write(work, self._commit_group)
        if item.error is not None:
            failure = storage_failure(item.error)
            if failure is not None:
                raise failure from item.error
            if isinstance(item.error, sqlite3.Error):  # BEGIN or COMMIT failed: outside any statement of the work
                raise DatabaseError(str(item.error)) from item.error
            raise item.error
        return item.result

    def _commit_group(self, batch: list[Pending]) -> None:
        conn = self._writer

        def abort() -> None:
            try:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # a failing disk can fail the rollback too; what matters is that no write below counts as done

        # The identity check runs before and after: never write into, nor acknowledge, a file that is no longer the database.
        commit_batch(batch, SQLiteTx(conn), conn.execute, "BEGIN IMMEDIATE", abort, check=self._identity.check)

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

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[SQLiteTx]:
        # Its own connection: a stream's pieces run on whichever worker thread is free, and a thread's reader is
        # busy with other requests in between. WAL keeps the snapshot of the first read until COMMIT.
        self._identity.check()
        conn = _connect(self.path, readonly=True)
        try:
            conn.execute("BEGIN")
            yield SQLiteTx(conn)
        except sqlite3.Error as exc:
            failure = storage_failure(exc)
            raise (failure or DatabaseError(str(exc))) from exc
        finally:
            conn.close()  # ends the read transaction

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
        with self._group.lock:
            self._writer.close()
