"""Sites in a pull: the ones the user works on (admins: all), as id and name."""

from __future__ import annotations

from typing import Iterable, Mapping

from server.domain.access import site_scope
from server.domain.actor import Actor
from server.store import Tx
from sync.wire import Del, Put

TYPE = "site"


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    where, params = site_scope(actor, "id")
    return {r["id"] for r in tx.query(f"SELECT id FROM sites WHERE {where}", params)}


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    where, params = site_scope(actor, "id")
    return [Put(TYPE, r["id"], r) for r in tx.query(f"SELECT id, name FROM sites WHERE {where} ORDER BY id", params)]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    # Sites leave a user's view only when their own site list changes: pull treats that as a new scope.
    wanted = sorted(i for i in ids if actor.has_site(i))
    if not wanted:
        return []
    rows = tx.query(f"SELECT id, name FROM sites WHERE id IN ({','.join('?' for _ in wanted)})", wanted)
    return [Put(TYPE, r["id"], r) for r in rows]
