"""`fieldops purge`: data retention. Dead letters, expired resumable uploads and old exports go;
work orders, their audit trail, photos and signatures are records and are never purged.

Each limit is a setting (FIELDOPS_RETENTION_*, FIELDOPS_UPLOAD_EXPIRE_S).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.clock import to_rfc3339
from server.settings import Settings
from server.store import Store, Tx


def exports_dir(settings: Settings) -> Any:
    """Where `fieldops report --save` (and audit exports) write their files."""
    return settings.data_dir / "exports"


def _purge_dead_letters(tx: Tx, cutoff: str) -> int:
    return tx.execute("DELETE FROM dead_letters WHERE received_at < ?", (cutoff,))


def _purge_exports(settings: Settings, now: datetime) -> int:
    folder = exports_dir(settings)
    if not folder.is_dir():
        return 0
    cutoff = (now - timedelta(days=settings.retention_exports_days)).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink()
            removed += 1
    return removed


def _purge_uploads(settings: Settings, store: Store) -> int:
    from server.blobs import upload_area

    return upload_area(settings, store).sweep()


def purge(settings: Settings, store: Store, now: datetime) -> dict[str, int]:
    """Delete what is past its retention; returns how many of each went."""
    cutoff = to_rfc3339(now - timedelta(days=settings.retention_dead_letters_days))
    return {
        "dead_letters": store.write(lambda tx: _purge_dead_letters(tx, cutoff)),
        "uploads": _purge_uploads(settings, store),
        "exports": _purge_exports(settings, now),
    }
