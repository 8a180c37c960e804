"""The change log sync pulls read: each write to a synced object appends its (type, id) at a new version.

Versions come from the one-row `change_counter` (migration 0023), never a device clock or a sequence: taking one
locks the row until the transaction commits, so versions are committed in the order they are handed out and a pull
that has seen version v never misses a change that commits later below v (sync/README.md, "Versions").
"""

from __future__ import annotations

from server.store import Tx


def touch(tx: Tx, type_: str, obj_id: str) -> None:
    version = tx.one("UPDATE change_counter SET version = version + 1 WHERE id = 1 RETURNING version")["version"]
    tx.execute("INSERT INTO changes (version, type, obj_id) VALUES (?, ?, ?)", (version, type_, obj_id))
