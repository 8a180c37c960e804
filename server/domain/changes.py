"""The change log sync pulls read: each write to a synced object appends its (type, id) at a new version.

Versions come from SQLite's AUTOINCREMENT, never a device clock, so a pull cookie is monotonic.
"""

from __future__ import annotations

from server.store import Tx


def touch(tx: Tx, type_: str, obj_id: str) -> None:
    tx.execute("INSERT INTO changes (type, obj_id) VALUES (?, ?)", (type_, obj_id))
