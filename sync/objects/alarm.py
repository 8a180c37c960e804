"""Alarms in a pull: the same visibility (`duty.can_see_alarm`) and shape (`duty.render_alarm`) as the
online API — guards, supervisors and dispatchers of the alarm's site; unplaced alarms to supervisors.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from server.domain.actor import Actor
from server.domain.duty import can_see_alarm, render_alarm
from server.store import Tx
from sync.wire import Del, Put

TYPE = "alarm"
ROLES = frozenset({"guard", "supervisor", "dispatcher", "admin"})


def _scope(actor: Actor) -> tuple[str, list[str]]:
    """A WHERE fragment over `alarms` mirroring can_see_alarm."""
    if actor.role not in ROLES:
        return "0 = 1", []
    if actor.is_admin:
        return "1 = 1", []
    sites = sorted(actor.site_ids)
    unplaced = " OR site_id IS NULL" if actor.role == "supervisor" else ""
    return f"(site_id IN ({','.join('?' for _ in sites) or 'NULL'}){unplaced})", sites


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    where, params = _scope(actor)
    return {r["id"] for r in tx.query(f"SELECT id FROM alarms WHERE {where}", params)}


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    where, params = _scope(actor)
    return [Put(TYPE, r["id"], render_alarm(r)) for r in tx.query(f"SELECT * FROM alarms WHERE {where} ORDER BY id", params)]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    wanted = sorted(ids)
    if actor.role not in ROLES or not wanted:
        return []
    rows = {r["id"]: r for r in tx.query(f"SELECT * FROM alarms WHERE id IN ({','.join('?' for _ in wanted)})", wanted)}
    patch: list[Put | Del] = []
    for obj_id in wanted:
        row = rows.get(obj_id)
        if row is not None and can_see_alarm(actor, row):
            patch.append(Put(TYPE, obj_id, render_alarm(row)))
    # Alarms are never deleted and their site never changes once placed, so none leaves a view it was in
    # (an unplaced alarm a supervisor held and that is then placed elsewhere stays until a full pull).
    return patch
