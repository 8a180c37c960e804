"""The push outbox: a push is owed by a row written in the transaction that owes it, and claimed before it is sent.

Every insert into `push_outbox` and every claim on it is here (leases: server/claims.py), so an alarm, its
escalation, a handover that leaves alarms with nobody on duty and a work-order escalation are owed and taken alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from server.claims import claim, claimable, instance_of, renew
from server.clock import now_text, to_rfc3339
from server.push.payload import PushMessage, incident_topic
from server.store import Tx

__all__ = ["Audience", "owe_push", "claim_owed", "claimable_owed", "renew_owed", "reclaim_after_restart", "pending_row",
           "delivered_endpoints", "record_attempt", "mark_done", "oldest_owed_at"]

# Who gets a push, resolved when it is sent: the guards on duty at its site (else its supervisors), or its supervisors.
Audience = Literal["duty", "supervisors"]
_TABLE = "push_outbox"


def owe_push(tx: Tx, alarm_id: str | None, audience: Audience, site_id: str | None, push: PushMessage, incident: str, at: datetime) -> int:
    """Record a push to send after commit; the row survives a crash before the send. Pushes of one `incident` share a
    Topic, so a phone shows one notification for it, updated."""
    return tx.insert(_TABLE, {"alarm_id": alarm_id, "audience": audience, "site_id": site_id, "payload": msgspec.json.encode(push).decode(),
                              "topic": incident_topic(incident), "created_at": to_rfc3339(at)}, returning="id")


def claim_owed(tx: Tx, ids: list[int], holder: str, at: datetime, lease_s: float) -> list[int]:
    """Those of `ids` still owed that nobody else holds, now held by `holder` for `lease_s`."""
    return claim(tx, _TABLE, ids, holder, at, lease_s)


def claimable_owed(tx: Tx, at: datetime) -> list[int]:
    """Owed rows nobody holds: owed by a mutation (nobody sends those at once) or left by an instance that died."""
    return claimable(tx, _TABLE, at)


def renew_owed(tx: Tx, ids: list[int], holder: str, at: datetime, lease_s: float) -> int:
    return renew(tx, _TABLE, ids, holder, at, lease_s)


def reclaim_after_restart(tx: Tx, holder: str, at: datetime, lease_s: float) -> list[int]:
    """At start: every owed row nobody holds, and those this instance held before it restarted (at once, not after the lease)."""
    pending = [r["id"] for r in tx.query(f"SELECT id FROM {_TABLE} WHERE done_at IS NULL ORDER BY id")]
    return claim(tx, _TABLE, pending, holder, at, lease_s, take_from=instance_of(holder))


def pending_row(tx: Tx, outbox_id: int) -> dict[str, Any] | None:
    """The row while it is still owed (None once done)."""
    return tx.one(f"SELECT * FROM {_TABLE} WHERE id = ? AND done_at IS NULL", (outbox_id,))


def delivered_endpoints(tx: Tx, outbox_ids: list[int]) -> dict[int, set[str]]:
    """The subscriptions each push already reached (an instance that died part way), so none is pushed twice."""
    if not outbox_ids:
        return {}
    marks = ",".join("?" for _ in outbox_ids)
    delivered: dict[int, set[str]] = {}
    for r in tx.query(f"SELECT outbox_id, endpoint FROM push_deliveries WHERE ok = 1 AND outbox_id IN ({marks})", outbox_ids):
        delivered.setdefault(r["outbox_id"], set()).add(r["endpoint"])
    return delivered


def record_attempt(tx: Tx, outbox_id: int, alarm_id: str | None, user_id: str | None, endpoint: str, status: int | None, ok: bool,
                   error: str | None, done: bool) -> None:
    """One delivery attempt (shown on the alarm); `done`: the push owes nothing more."""
    tx.insert("push_deliveries", {"outbox_id": outbox_id, "alarm_id": alarm_id, "user_id": user_id, "endpoint": endpoint,
                                  "status": status, "ok": int(ok), "error": error, "attempted_at": now_text()})
    if done:
        mark_done(tx, outbox_id)


def mark_done(tx: Tx, outbox_id: int) -> None:
    tx.execute(f"UPDATE {_TABLE} SET done_at = ? WHERE id = ?", (now_text(), outbox_id))


def oldest_owed_at(tx: Tx) -> str | None:
    """When the oldest push still owed was owed (the outbox-age gauge), None when nothing is owed."""
    return tx.one(f"SELECT min(created_at) AS at FROM {_TABLE} WHERE done_at IS NULL")["at"]
