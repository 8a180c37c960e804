"""Guards of the database file: storage failures as 503s, the file's identity while we run, free space, and a
marker saying a database existed here, so a lost one is refused instead of silently replaced by a fresh one.

Nothing is acknowledged that is not in the file we opened: a write into a deleted or replaced file is refused.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import sqlite3
from pathlib import Path

from server.clock import now_text
from server.errors import Unavailable
from server.store.errors import DatabaseError

log = logging.getLogger("fieldops.store")

__all__ = ["FileIdentity", "MIN_FREE_BYTES", "storage_failure", "refuse_if_lost", "mark_existing", "free_space_problem"]

# /health calls the disk full below this much free space: SQLite needs room to grow the WAL by a whole
# transaction (a sync push of 500 mutations is a few MB) and to checkpoint it, and the blobs live beside it.
MIN_FREE_BYTES = 8 * 1024 * 1024
# SQLite primary result codes that mean the storage failed, not the statement.
_FULL = {sqlite3.SQLITE_FULL}
_BROKEN = {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
# The same for files we write ourselves (blobs, uploads).
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
BROKEN_ERRNOS = {errno.EIO, errno.EROFS}
# Retry-After for a full disk: long enough for an operator or a cleanup timer, short enough for a phone's retry.
RETRY_AFTER_S = 60


def storage_failure(exc: BaseException) -> Unavailable | None:
    """The 503 a database or file error stands for, or None when it is not a storage failure."""
    if isinstance(exc, DatabaseError) and exc.__cause__ is not None:
        exc = exc.__cause__  # the driver's error the store wrapped
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        full, broken = primary in _FULL, primary in _BROKEN
    elif isinstance(exc, OSError):
        full, broken = exc.errno in FULL_ERRNOS, exc.errno in BROKEN_ERRNOS
    else:
        return None
    if full:
        return Unavailable("the server's disk is full: nothing was stored; try again later", code="storage_full", retry_after=RETRY_AFTER_S)
    if broken:
        return Unavailable(f"the server cannot write its database ({exc}): nothing was stored", code="storage_failed", retry_after=RETRY_AFTER_S)
    return None


class FileIdentity:
    """The database file we opened, by device and inode: deleting, moving or replacing it changes them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.opened = _identity(path)
        self.sidecars: dict[str, tuple[int, int] | None] = {}
        self.lost = False  # once seen lost, for ever: the writer is bound to the old file

    def remember_sidecars(self) -> None:
        """Once our WAL and shared-memory index exist (after the first write): to set them aside if the database is replaced."""
        self.sidecars = {suffix: _identity(self.path + suffix) for suffix in _SIDECARS}

    def check(self) -> None:
        """Raise unless the file at the path is still the one we write into."""
        current = _identity(self.path)
        if current == self.opened:
            return
        what = "deleted" if current is None else "replaced by another file"
        if not self.lost:
            self.lost = True
            self._set_aside_sidecars()
        raise Unavailable(f"the database file {self.path} was {what} while the server ran: nothing more is stored; "
                          "restore it (fieldops restore) and restart", code="database_lost")

    def _set_aside_sidecars(self) -> None:
        # SQLite would replay our WAL into whatever file now has the database's name (pages of another
        # database: corruption), so our WAL and index are renamed away; they stay on disk for a post-mortem.
        stamp = now_text().replace(":", "")
        for suffix, opened in self.sidecars.items():
            if opened is not None and _identity(self.path + suffix) == opened:
                os.replace(self.path + suffix, f"{self.path}{suffix}.lost-{stamp}")
        log.error("database file %s lost under the running server; its WAL was set aside", self.path)


_SIDECARS = ("-wal", "-shm")


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def _marker(db_path: str) -> Path:
    return Path(db_path + ".created")


def refuse_if_lost(db_path: str) -> None:
    """Before opening: a marker without its database means the database was lost; never start a fresh one over it."""
    path, marker = Path(db_path), _marker(db_path)
    if marker.exists() and not (path.exists() and path.stat().st_size > 0):
        raise Unavailable(f"{path} is missing but a database was created here ({marker}): restore it from a backup "
                          f"(fieldops restore), or delete {marker.name} to start an empty one on purpose", code="database_missing")


def mark_existing(db_path: str) -> None:
    """After opening: note durably that a database exists here (once)."""
    marker = _marker(db_path)
    if marker.exists():
        return
    staged = marker.with_name(marker.name + ".tmp")
    with open(staged, "w", encoding="utf-8") as f:
        json.dump({"database": Path(db_path).name, "first_opened_at": now_text()}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(staged, marker)
    directory = os.open(marker.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def free_space_problem(db_path: str) -> Unavailable | None:
    free = shutil.disk_usage(Path(db_path).parent).free
    if free < MIN_FREE_BYTES:
        return Unavailable(f"the disk is full: {free} bytes free beside the database (at least {MIN_FREE_BYTES} needed)",
                           code="storage_full", retry_after=RETRY_AFTER_S)
    return None
