"""Alarms in a pull: the same visibility (server/domain/alarms/visibility.py) and shape (`duty.render_alarm`) as the
online API — guards, supervisors and dispatchers of the alarm's site; unplaced alarms to supervisors.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from server.domain.actor import Actor
from server.domain.alarms.visibility import ALARM_VIEWERS, alarm_scope_sql, can_see_alarm
from server.domain.duty import render_alarm
from server.store import Tx
from sync.wire import Del, Put

TYPE = "alarm"


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    where, params = alarm_scope_sql(actor)
    return {r["id"] for r in tx.query(f"SELECT id FROM alarms WHERE {where}", params)}


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    where, params = alarm_scope_sql(actor)
    return [Put(TYPE, r["id"], render_alarm(r)) for r in tx.query(f"SELECT * FROM alarms WHERE {where} ORDER BY id", params)]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    wanted = sorted(ids)
    if actor.role not in ALARM_VIEWERS or not wanted:
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
