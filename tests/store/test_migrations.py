"""One set of migrations builds the same schema on both backends: the same tables, the same columns in each, the
same named indexes (SQLite's automatic ones and PostgreSQL's primary-key indexes aside)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server.store import open_store
from tests.backend import postgres_location


def sqlite_schema(path: Path) -> tuple[dict[str, set[str]], set[str]]:
    open_store(str(path)).close()
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        columns = {t: {r[1] for r in db.execute(f'PRAGMA table_info("{t}")')} for t in tables}
        indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'")}
    finally:
        db.close()
    return columns, indexes


def postgres_schema(url: str) -> tuple[dict[str, set[str]], set[str]]:
    store = open_store(url)
    try:
        rows = store.read(lambda tx: tx.query("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"))
        indexes = store.read(lambda tx: tx.query("SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = 'public' AND NOT EXISTS ("
                                                  " SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"))
    finally:
        store.close()
    columns: dict[str, set[str]] = {}
    for r in rows:
        columns.setdefault(r["table_name"], set()).add(r["column_name"])
    return columns, {r["indexname"] for r in indexes}


def test_the_migrations_make_the_same_tables_columns_and_indexes_on_sqlite_and_postgresql(tmp_path: Path) -> None:
    lite_columns, lite_indexes = sqlite_schema(tmp_path / "lite" / "fieldops.db")
    pg_columns, pg_indexes = postgres_schema(postgres_location(tmp_path / "pg" / "fieldops.db"))
    assert set(pg_columns) == set(lite_columns)
    assert {t: c for t, c in pg_columns.items() if c != lite_columns[t]} == {}
    assert pg_indexes == lite_indexes
