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


def touch_many(tx: Tx, type_: str, obj_ids: list[str]) -> None:
    """`touch` for several objects in one go: one counter update hands out their versions, one insert per chunk logs them."""
    if not obj_ids:
        return
    last = tx.one("UPDATE change_counter SET version = version + ? WHERE id = 1 RETURNING version", (len(obj_ids),))["version"]
    rows = [(last - len(obj_ids) + 1 + n, type_, obj_id) for n, obj_id in enumerate(obj_ids)]
    for size in (256, 64, 16, 4, 1):  # a few fixed statement shapes (drivers cache statements by their text)
        while len(rows) >= size:
            part, rows = rows[:size], rows[size:]
            tx.execute(f"INSERT INTO changes (version, type, obj_id) VALUES {', '.join('(?, ?, ?)' for _ in part)}", [v for r in part for v in r])
