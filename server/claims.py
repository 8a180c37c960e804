"""Claims on background work shared by several instances: leases in the database, taken by a conditional UPDATE.

One instance holds a claim until its lease runs out; it renews what it still works on, so a claim outlives
its holder by one lease at most and another instance then takes the work over. Clocks must agree (NTP).
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from server.clock import to_rfc3339
from server.store import Tx

# What a claimable row of each table still owes: done rows are never claimed again.
_OPEN = {
    "push_outbox": "done_at IS NULL",
    "escalations": "fired_at IS NULL AND dropped_at IS NULL",
}


def holder_name(instance: str) -> str:
    """This process's name on its claims: the instance (its MQTT client id, unique per instance), host, pid and a
    random tail, so a restarted instance is a new holder and two processes never pass for one."""
    return f"{instance}/{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(3)}"


def instance_of(holder: str) -> str:
    return holder.split("/", 1)[0]


def claim(tx: Tx, table: str, ids: list[int], holder: str, now: datetime, lease_s: float, *, take_from: str | None = None) -> list[int]:
    """Claim those of `ids` that are open and unclaimed or whose lease ran out; returns the ids now held.

    `take_from` also takes rows still leased to an earlier run of the same instance (`instance/...`): at start,
    what this instance owed before it was restarted is its own again at once, not after the lease.
    """
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    stamp, until = to_rfc3339(now), to_rfc3339(now + timedelta(seconds=lease_s))
    mine = " OR claimed_by LIKE ?" if take_from else ""
    params = [holder, until, *ids, stamp] + ([f"{take_from}/%"] if take_from else [])
    rows = tx.query(f"UPDATE {table} SET claimed_by = ?, lease_until = ? WHERE id IN ({marks}) AND {_OPEN[table]}"
                    f" AND (lease_until IS NULL OR lease_until < ?{mine}) RETURNING id", params)
    return sorted(r["id"] for r in rows)


def claimable(tx: Tx, table: str, now: datetime, limit: int = 500) -> list[int]:
    """Open rows nobody holds (never claimed, or the lease ran out): what a dead instance left behind."""
    return [r["id"] for r in tx.query(f"SELECT id FROM {table} WHERE {_OPEN[table]} AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ?",
                                      (to_rfc3339(now), limit))]


def renew(tx: Tx, table: str, ids: list[int], holder: str, now: datetime, lease_s: float) -> int:
    """Extend the leases this holder still works on (pushes waiting for a retry); returns how many it still holds."""
    if not ids:
        return 0
    marks = ",".join("?" for _ in ids)
    return tx.execute(f"UPDATE {table} SET lease_until = ? WHERE claimed_by = ? AND id IN ({marks}) AND {_OPEN[table]}",
                      [to_rfc3339(now + timedelta(seconds=lease_s)), holder, *ids])


def take_turn(tx: Tx, name: str, holder: str, now: datetime, every_s: float) -> bool:
    """True for exactly one caller per period across instances: that one runs this round of the periodic work `name`."""
    stamp = to_rfc3339(now)
    tx.execute("INSERT INTO periodic_turns (name, next_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", (name, stamp))
    rows = tx.query("UPDATE periodic_turns SET holder = ?, next_at = ?, ran_at = ? WHERE name = ? AND next_at <= ? RETURNING name",
                    (holder, to_rfc3339(now + timedelta(seconds=every_s)), stamp, name, stamp))
    return bool(rows)
