"""Users in a pull: colleagues on the caller's sites (admins: everyone), with id, name, role and which of the
caller's sites they work on (so a dispatcher offers an order only to technicians of its site)."""

from __future__ import annotations

from typing import Iterable, Mapping

from server.domain.access import in_sites
from server.domain.actor import Actor
from server.store import Tx
from sync.wire import Del, Put

TYPE = "user"
DISPATCHING_ROLES = frozenset({"dispatcher", "supervisor", "admin", "guard"})


def _scope(actor: Actor) -> tuple[str, list[str]]:
    if actor.is_admin:
        return "u.active = 1", []
    on_sites, sites = in_sites("us.site_id", actor.site_ids)
    return (f"u.active = 1 AND (u.id = ? OR EXISTS (SELECT 1 FROM user_sites us WHERE us.user_id = u.id AND {on_sites}))",
            [actor.id, *sites])


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    where, params = _scope(actor)
    return {r["id"] for r in tx.query(f"SELECT u.id FROM users u WHERE {where}", params)}


def _with_sites(tx: Tx, actor: Actor, rows: list[dict]) -> list[dict]:
    """Add `site_ids` for those who dispatch (office, guards after hours): only sites the caller shares,
    never where else a colleague works; a technician's pull stays id, name and role."""
    if not rows or actor.role not in DISPATCHING_ROLES:
        return rows
    sites: dict[str, list[str]] = {r["id"]: [] for r in rows}
    ids = list(sites)
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        for link in tx.query(f"SELECT user_id, site_id FROM user_sites WHERE user_id IN ({','.join('?' for _ in batch)}) ORDER BY site_id", batch):
            if actor.is_admin or actor.has_site(link["site_id"]):
                sites[link["user_id"]].append(link["site_id"])
    return [{**r, "site_ids": sites[r["id"]]} for r in rows]


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    where, params = _scope(actor)
    rows = _with_sites(tx, actor, tx.query(f"SELECT u.id, u.name, u.role FROM users u WHERE {where} ORDER BY u.id", params))
    return [Put(TYPE, r["id"], r) for r in rows]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    wanted = sorted(ids)
    if not wanted:
        return []
    where, params = _scope(actor)
    marks = ",".join("?" for _ in wanted)
    shown = {r["id"]: r for r in _with_sites(tx, actor, tx.query(f"SELECT u.id, u.name, u.role FROM users u WHERE u.id IN ({marks}) AND {where}", [*wanted, *params]))}
    gone = {r["id"] for r in tx.query(f"SELECT id FROM users WHERE id IN ({marks}) AND active = 0", wanted)}
    # A deactivated account is deleted everywhere; a user of another site changing is none of the caller's business.
    return [Put(TYPE, i, shown[i]) if i in shown else Del(TYPE, i) for i in wanted if i in shown or i in gone]
