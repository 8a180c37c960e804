"""Which store the suite runs on: SQLite files (default) or PostgreSQL (`FIELDOPS_TEST_BACKEND=postgres`).

On PostgreSQL each data directory a test makes gets its own database, created from a template that already holds the
migrated schema (CREATE DATABASE ... TEMPLATE: milliseconds, not a migration run per test), dropped at the end.
The server is the one `.ci/run` installs and starts (FIELDOPS_TEST_PG_URL, default 127.0.0.1:5432 as postgres);
one that cannot be reached fails the run, it is never skipped.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from server.store import Store
from server.store import open_store as _open_store

BACKEND = os.environ.get("FIELDOPS_TEST_BACKEND", "sqlite")
assert BACKEND in ("sqlite", "postgres"), f"FIELDOPS_TEST_BACKEND must be sqlite or postgres, not {BACKEND!r}"
POSTGRES = BACKEND == "postgres"
ADMIN_URL = os.environ.get("FIELDOPS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# One prefix per test process (xdist workers run side by side on one server).
PREFIX = f"fotest_{os.getpid()}"
TEMPLATE = f"{PREFIX}_template"

_made: dict[str, str] = {}
_lock = threading.Lock()


def database_url(name: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _template() -> str:
    if TEMPLATE not in _made:
        _admin(f'DROP DATABASE IF EXISTS "{TEMPLATE}" WITH (FORCE)')
        # Text compares by code point, as on SQLite (README "PostgreSQL", setup).
        _admin(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0 ENCODING \'UTF8\' LC_COLLATE \'C\' LC_CTYPE \'C\'')
        _open_store(database_url(TEMPLATE)).close()  # the migrated schema, which every test database copies
        _made[TEMPLATE] = database_url(TEMPLATE)
    return TEMPLATE


def location(db_path: str | Path) -> str:
    """What a test opens for the database at `db_path`: that file, or the PostgreSQL database standing for it
    (a `postgresql://` URL is already a location)."""
    if str(db_path).startswith("postgresql://"):
        return str(db_path)
    return postgres_location(db_path) if POSTGRES else str(db_path)


def postgres_location(db_path: str | Path) -> str:
    """The PostgreSQL database standing for `db_path` (made from the template on first use), on either pass."""
    key = str(Path(db_path).resolve())
    with _lock:
        if key not in _made:
            name = f"{PREFIX}_{hashlib.sha256(key.encode()).hexdigest()[:16]}"
            _admin(f'CREATE DATABASE "{name}" TEMPLATE "{_template()}"')
            _made[key] = database_url(name)
        return _made[key]


def exists(db_path: str | Path) -> bool:
    """Whether a database was made for `db_path` already (the file, or this run's PostgreSQL database)."""
    return str(Path(db_path).resolve()) in _made if POSTGRES else Path(db_path).exists()


def open_store(db_path: str | Path) -> Store:
    return _open_store(location(db_path))


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment a `fieldops` command needs to use the same database as the test."""
    return {"FIELDOPS_DATABASE_URL": location(data_dir / "fieldops.db")} if POSTGRES else {}


def drop_all() -> None:
    """Drop every database this process made (also those of postgres_location on the SQLite pass)."""
    with _lock:
        for key, url in list(_made.items()):
            _admin(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')
        _made.clear()


class _Row(tuple):
    """A row that answers by position and by column name, as sqlite3.Row does."""

    _names: tuple[str, ...] = ()

    def __getitem__(self, key):  # type: ignore[no-untyped-def, override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


def _hybrid_rows(cursor):  # type: ignore[no-untyped-def]
    names = tuple(c.name for c in cursor.description or ())
    row_type = type("Row", (_Row,), {"_names": names})
    return lambda values: row_type(values)


class _PostgresConnection:
    """What the tests do with `sqlite3.connect(...)` (peek, or edit behind the app's back), on PostgreSQL:
    each statement commits on its own, `?` placeholders as in the app."""

    def __init__(self, url: str) -> None:
        import psycopg

        self._conn = psycopg.connect(url, autocommit=True, row_factory=_hybrid_rows)
        self.row_factory = None  # set by tests as on sqlite3; rows answer by name and by index either way

    def execute(self, sql: str, params: tuple | list = ()):  # type: ignore[no-untyped-def]
        from server.store.postgres import translate

        return self._conn.execute(translate(sql), list(params))

    def commit(self) -> None:
        pass  # every statement committed already

    def close(self) -> None:
        self._conn.close()

    def __del__(self) -> None:
        self._conn.close()  # tests drop sqlite3 connections unclosed; psycopg would warn (warnings are errors)

    def __enter__(self) -> "_PostgresConnection":
        return self

    def __exit__(self, *exc: object) -> None:
        pass  # like sqlite3's: the connection stays open


def connect(db_path: str | Path, **sqlite_options: object):  # type: ignore[no-untyped-def]
    """A raw connection to the database at `db_path` (sqlite3's, or psycopg's on PostgreSQL) for tests that look
    into it or edit it behind the app's back."""
    if not POSTGRES:
        import sqlite3

        return sqlite3.connect(db_path, **sqlite_options)  # type: ignore[arg-type]
    return _PostgresConnection(location(db_path))
