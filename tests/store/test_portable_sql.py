"""No module outside server/store/ speaks one database's dialect or catches one driver's errors, and migrations
from 0017 on are portable SQL: the same files build the schema on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Words that only SQLite (or only one driver) understands; each has a portable spelling (README "PostgreSQL").
DIALECT = re.compile(r"INSERT\s+OR\s+\w+|REPLACE\s+INTO|json_extract|json_each|last_insert_rowid|AUTOINCREMENT|group_concat"
                     r"|sqlite_master|\bPRAGMA\b|BEGIN\s+IMMEDIATE|\bimport\s+sqlite3|sqlite3\.\w*Error|\bimport\s+psycopg|psycopg\.\w*Error"
                     r"|\bIS\s+\?|randomblob", re.I)
# Shipped before the PostgreSQL backend; server/store/postgres.py respells their SQLite words (never edited again).
LEGACY_MIGRATIONS = {f"{n:04d}" for n in range(1, 17)}
# Files outside the store that are SQLite's on purpose: the SQLite backup and its raw-driver benchmarks.
SQLITE_ON_PURPOSE = {"server/ops/backup.py"}


def test_no_module_outside_the_store_names_a_dialect_or_a_driver_error() -> None:
    offenders = []
    for folder in ("server", "sync", "iot"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("server/store/") or rel in SQLITE_ON_PURPOSE:
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if DIALECT.search(line):
                    offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []


def test_new_migrations_are_portable_sql() -> None:
    offenders = []
    for path in sorted((ROOT / "server/store/migrations").glob("*.sql")):
        if path.name[:4] in LEGACY_MIGRATIONS:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("--", 1)[0]
            if DIALECT.search(code):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []
