"""`fieldops backup PATH` and `fieldops restore PATH`: a consistent copy of a running service's data.

The database is copied in one step from one read snapshot while writers carry on: SQLite's online backup API, or
`pg_dump` (custom format) when FIELDOPS_DATABASE_URL names PostgreSQL. Blobs are copied after it — they are
content-addressed and written before any row names them, so every blob the snapshot refers to is already on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from server.clock import now_text
from server.errors import Conflict, Invalid
from server.settings import Settings

DB_NAME = "fieldops.db"
PG_DUMP_NAME = "fieldops.pgdump"
# pg_dump/pg_restore of the server's major version (Debian's wrappers pick it); on the PATH elsewhere.
PG_BIN = next((d for d in ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin") if os.path.isdir(d)), "")
MANIFEST = "manifest.json"
# Not part of a backup: the live WAL files (folded into the copy), logs, unfinished tus uploads.
SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".log", ".partial", ".restoring")
SKIPPED_DIRS = {"uploads", "exports"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if result != "ok":
        raise Invalid(f"{path} failed the integrity check: {result}", code="backup_corrupt")


def _copy_tree(source: Path, target: Path) -> int:
    """Copy files not already present (blobs never change once written); returns how many were copied."""
    copied = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or relative.parts[0] in SKIPPED_DIRS:
            continue
        destination = target / relative
        if destination.exists() and destination.stat().st_size == path.stat().st_size:
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        copied += 1
    return copied


def _data_files(directory: Path) -> list[Path]:
    """Top-level files other than the database (VAPID keys and the like)."""
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name != DB_NAME and not p.name.endswith(SKIPPED_SUFFIXES)
                  and p.name != MANIFEST)


def _pg(tool: str, *args: str) -> None:
    done = subprocess.run([os.path.join(PG_BIN, tool) if PG_BIN else tool, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise Invalid(f"{tool} failed: {done.stderr.strip()[:500]}", code=f"{tool.replace('pg_', '')}_failed")


def _copy_files(settings: Settings, destination: Path) -> tuple[int, list[str]]:
    blobs = _copy_tree(settings.blob_dir, destination / "blobs")
    files = []
    if settings.data_dir.is_dir():
        for path in _data_files(settings.data_dir):
            shutil.copy2(path, destination / path.name)
            files.append(path.name)
    return blobs, files


def _backup_postgres(settings: Settings, destination: Path) -> dict[str, Any]:
    partial = destination / (PG_DUMP_NAME + ".partial")
    # One REPEATABLE READ snapshot of the whole database, writers carry on; --no-owner so it restores under any role.
    _pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", settings.database_url)
    _pg("pg_restore", "--list", str(partial))  # the archive reads back whole
    os.replace(partial, destination / PG_DUMP_NAME)
    blobs, files = _copy_files(settings, destination)
    manifest = {"format": 1, "backend": "postgresql", "created_at": now_text(), "database": PG_DUMP_NAME,
                "database_sha256": _sha256(destination / PG_DUMP_NAME), "blobs": blobs, "files": files}
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _restore_postgres(settings: Settings, source: Path, manifest: dict[str, Any], force: bool) -> dict[str, Any]:
    from server.store import open_store

    store = open_store(settings.database_url)  # an empty database gets the schema; one in use is refused below
    try:
        used = store.read(lambda tx: tx.one("SELECT (SELECT count(*) FROM sites) + (SELECT count(*) FROM work_orders) AS n")["n"]) > 0
    finally:
        store.close()
    if used and not force:
        raise Conflict("the database in FIELDOPS_DATABASE_URL holds data; stop the service and pass --force to replace it",
                       code="database_exists")
    # --clean drops what the dump holds before recreating it; one transaction: all of it or nothing.
    _pg("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
        f"--dbname={settings.database_url}", str(source / manifest["database"]))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    blobs = _copy_tree(source / "blobs", settings.blob_dir)
    for name in manifest["files"]:
        shutil.copy2(source / name, settings.data_dir / name)
    return {**manifest, "restored_blobs": blobs}


def backup(settings: Settings, destination: Path) -> dict[str, Any]:
    """Write the database, blobs and keys to `destination` (a new or empty directory); returns the manifest."""
    if settings.database_url:
        if destination.exists() and any(destination.iterdir()):
            raise Conflict(f"{destination} is not empty; back up into a new directory", code="backup_exists")
        destination.mkdir(parents=True, exist_ok=True)
        return _backup_postgres(settings, destination)
    if not settings.db_path.exists():
        raise Invalid(f"no database at {settings.db_path} (FIELDOPS_DATA_DIR)", code="no_database")
    if destination.exists() and any(destination.iterdir()):
        raise Conflict(f"{destination} is not empty; back up into a new directory", code="backup_exists")
    destination.mkdir(parents=True, exist_ok=True)
    partial = destination / (DB_NAME + ".partial")
    source = sqlite3.connect(settings.db_path, timeout=30)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)  # pages=-1: the whole database from one read snapshot
        target.execute("PRAGMA journal_mode = DELETE")  # a self-contained file, no WAL beside it
    finally:
        target.close()
        source.close()
    _integrity(partial)
    os.replace(partial, destination / DB_NAME)
    blobs, files = _copy_files(settings, destination)
    manifest = {"format": 1, "backend": "sqlite", "created_at": now_text(), "database": DB_NAME, "database_sha256": _sha256(destination / DB_NAME),
                "blobs": blobs, "files": files}
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def restore(settings: Settings, source: Path, force: bool = False) -> dict[str, Any]:
    """Put a backup in place as FIELDOPS_DATA_DIR. Stop the service first; `force` replaces an existing database."""
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise Invalid(f"{source} is not a FieldOps backup (no {MANIFEST})", code="not_a_backup")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    copy = source / manifest["database"]
    if _sha256(copy) != manifest["database_sha256"]:
        raise Invalid(f"{copy} does not match its manifest checksum", code="backup_corrupt")
    kind = manifest.get("backend", "sqlite")
    if kind != ("postgresql" if settings.database_url else "sqlite"):
        raise Invalid(f"{source} is a {kind} backup; restore it with FIELDOPS_DATABASE_URL "
                      f"{'set to a PostgreSQL database' if kind == 'postgresql' else 'empty'}", code="backup_backend_mismatch")
    if settings.database_url:
        return _restore_postgres(settings, source, manifest, force)
    _integrity(copy)
    if settings.db_path.exists() and not force:
        raise Conflict(f"{settings.db_path} exists; stop the service and pass --force to replace it", code="database_exists")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    staged = settings.data_dir / (DB_NAME + ".restoring")
    shutil.copy2(copy, staged)
    # A WAL left from the old database would be replayed into the restored one: remove it first.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(settings.db_path) + suffix).unlink(missing_ok=True)
    os.replace(staged, settings.db_path)
    blobs = _copy_tree(source / "blobs", settings.blob_dir)
    for name in manifest["files"]:
        shutil.copy2(source / name, settings.data_dir / name)
    return {**manifest, "restored_blobs": blobs}
