"""Alarms in a pull, for the guards, supervisors and dispatchers of their site (technicians get none).

The alarms table comes with 0004_alarms.sql (the alarms area); until it exists there is nothing to send.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from server.domain.actor import Actor
from server.store import Tx
from sync.wire import Del, Put

TYPE = "alarm"
ROLES = frozenset({"guard", "supervisor", "dispatcher", "admin"})
# CONTRACT.md's alarm shape; columns beyond it stay on the server.
FIELDS = ("id", "site_id", "device_id", "kind", "zone", "state", "acked_by", "acked_at", "first_seen", "last_seen", "count", "work_order_id")


def _present(tx: Tx) -> bool:
    return tx.one("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'alarms'") is not None


def _scope(actor: Actor) -> tuple[str, list[str]]:
    if actor.is_admin:
        return "1 = 1", []
    sites = sorted(actor.site_ids)
    return f"site_id IN ({','.join('?' for _ in sites) or 'NULL'})", sites


def _value(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in FIELDS if k in row}


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    if actor.role not in ROLES or not _present(tx):
        return set()
    where, params = _scope(actor)
    return {r["id"] for r in tx.query(f"SELECT id FROM alarms WHERE {where}", params)}


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    if actor.role not in ROLES or not _present(tx):
        return []
    where, params = _scope(actor)
    return [Put(TYPE, str(r["id"]), _value(r)) for r in tx.query(f"SELECT * FROM alarms WHERE {where} ORDER BY id", params)]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    wanted = sorted(ids)
    if actor.role not in ROLES or not wanted or not _present(tx):
        return []
    rows = {str(r["id"]): r for r in tx.query(f"SELECT * FROM alarms WHERE id IN ({','.join('?' for _ in wanted)})", wanted)}
    patch: list[Put | Del] = []
    for obj_id in wanted:
        row = rows.get(obj_id)
        if row is None:
            patch.append(Del(TYPE, obj_id))
        elif actor.has_site(row["site_id"]):
            patch.append(Put(TYPE, obj_id, _value(row)))
    return patch
