"""Users in a pull: colleagues on the caller's sites (admins: everyone), with id, name and role only."""

from __future__ import annotations

from typing import Iterable, Mapping

from server.domain.actor import Actor
from server.store import Tx
from sync.wire import Del, Put

TYPE = "user"


def _scope(actor: Actor) -> tuple[str, list[str]]:
    if actor.is_admin:
        return "u.active = 1", []
    sites = sorted(actor.site_ids)
    marks = ",".join("?" for _ in sites) or "NULL"
    return (f"u.active = 1 AND (u.id = ? OR EXISTS (SELECT 1 FROM user_sites us WHERE us.user_id = u.id AND us.site_id IN ({marks})))",
            [actor.id, *sites])


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    where, params = _scope(actor)
    return {r["id"] for r in tx.query(f"SELECT u.id FROM users u WHERE {where}", params)}


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    where, params = _scope(actor)
    return [Put(TYPE, r["id"], r) for r in tx.query(f"SELECT u.id, u.name, u.role FROM users u WHERE {where} ORDER BY u.id", params)]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    wanted = sorted(ids)
    if not wanted:
        return []
    where, params = _scope(actor)
    marks = ",".join("?" for _ in wanted)
    shown = {r["id"]: r for r in tx.query(f"SELECT u.id, u.name, u.role FROM users u WHERE u.id IN ({marks}) AND {where}", [*wanted, *params])}
    gone = {r["id"] for r in tx.query(f"SELECT id FROM users WHERE id IN ({marks}) AND active = 0", wanted)}
    # A deactivated account is deleted everywhere; a user of another site changing is none of the caller's business.
    return [Put(TYPE, i, shown[i]) if i in shown else Del(TYPE, i) for i in wanted if i in shown or i in gone]
