"""Shifts in a pull: the monitoring room's shifts of the caller's sites, in the GET /shifts shape, so a guard
offline still sees who is on duty (their own shift too) and the handovers waiting to be confirmed.

Scoped by site like alarms, for the roles that may read shift records (`shifts.SHIFT_VIEWERS`); a full pull
holds the shifts still running, the handovers not yet received and those ended within SYNC_DAYS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Iterable, Mapping

from server.clock import now, to_rfc3339
from server.domain.access import site_scope
from server.domain.actor import Actor
from server.domain.shifts import SHIFT_SELECT, SHIFT_VIEWERS, shift_view
from server.store import Tx
from sync.wire import Del, Put

TYPE = "shift"
# Ended and received shifts older than this stay out of a full pull: the history is one GET away, and a
# device needs only the shift running, the handovers open and the last few (a weekend's worth).
SYNC_DAYS = 3


def _scope(actor: Actor) -> tuple[str, list[str]]:
    """A WHERE fragment over `shifts s` of the caller's sites."""
    if actor.role not in SHIFT_VIEWERS:
        return "0 = 1", []
    return site_scope(actor, "s.site_id")


def _recent(where: str) -> str:
    return f"{where} AND (s.ended_at IS NULL OR s.received_by IS NULL OR s.ended_at >= ?)"


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    where, params = _scope(actor)
    return {str(r["id"]) for r in tx.query(f"SELECT s.id FROM shifts s WHERE {where}", params)}


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    where, params = _scope(actor)
    since = to_rfc3339(now() - timedelta(days=SYNC_DAYS))
    rows = tx.query(f"{SHIFT_SELECT} WHERE {_recent(where)} ORDER BY s.id", [*params, since])
    return [Put(TYPE, str(r["id"]), shift_view(r)) for r in rows]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    wanted = sorted(i for i in ids if i.isdigit())
    if actor.role not in SHIFT_VIEWERS or not wanted:
        return []
    where, params = _scope(actor)
    rows = tx.query(f"{SHIFT_SELECT} WHERE {where} AND s.id IN ({','.join('?' for _ in wanted)})", [*params, *wanted])
    # A shift never moves to another site, so none leaves a view it was in (a re-scope sends the dels).
    return [Put(TYPE, str(r["id"]), shift_view(r)) for r in rows]
