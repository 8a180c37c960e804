"""Named, ordered schema migrations: `migrations/NNNN_name.sql`, applied once each, in order, at start.

Each area of the product owns its migration files; a migration is never edited after it has shipped.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from server.clock import now_text


def migration_names() -> list[str]:
    folder = resources.files("server.store") / "migrations"
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))


def migrate(tx: Any) -> list[str]:
    """Apply the pending migrations inside the caller's write transaction; return their names."""
    tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row["name"] for row in tx.query("SELECT name FROM schema_migrations")}
    applied = []
    folder = resources.files("server.store") / "migrations"
    # A backend may respell the schema words of the migrations that shipped before it (postgres.py `schema_sql`).
    dialect = getattr(tx, "schema_sql", lambda statement: statement)
    for name in migration_names():
        if name in done:
            continue
        script = (folder / name).read_text(encoding="utf-8")
        for statement in _statements(script):
            tx.execute(dialect(statement))
        tx.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, now_text()))
        applied.append(name)
    return applied


def _statements(script: str) -> list[str]:
    """Split a script on `;` at line ends (our migrations keep triggers out, so this is enough)."""
    parts, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            parts.append("\n".join(current).strip())
            current = []
    tail = "\n".join(current).strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p and p != ";"]
