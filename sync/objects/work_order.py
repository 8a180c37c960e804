"""Work orders in a pull: the same visibility as the online API (access.py) and the same rendering
(views.render_order) without the audit trail, which stays one GET away to keep pulls lean.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Mapping

from server.domain.access import can_see_order, order_scope_sql
from server.domain.actor import Actor
from server.domain.views import render_orders
from server.domain.access import was_dispatched_to
from server.store import Tx
from sync.wire import Del, Put

TYPE = "work_order"
# SQLite's default limit on host parameters is far above this; it keeps each IN (...) list modest.
ID_BATCH = 500


def visible_ids(tx: Tx, actor: Actor) -> set[str]:
    where, params = order_scope_sql(actor)
    return {r["id"] for r in tx.query(f"SELECT id FROM work_orders WHERE {where}", params)}


def full(tx: Tx, actor: Actor, targets: Mapping[str, int]) -> list[Put]:
    return [put for page in full_pages(tx, actor, targets) for put in page]


def full_pages(tx: Tx, actor: Actor, targets: Mapping[str, int], page: int = ID_BATCH) -> Iterator[list[Put]]:
    """Everything the actor sees, `page` orders at a time in id order (keyset: each page an indexed range of the
    same snapshot), so a pull of 50,000 orders is streamed without holding them all."""
    where, params = order_scope_sql(actor)
    after = ""
    while True:
        rows = tx.query(f"SELECT * FROM work_orders WHERE ({where}) AND id > ? ORDER BY id LIMIT {int(page)}", [*params, after])
        if not rows:
            return
        yield [Put(TYPE, r["id"], view) for r, view in zip(rows, render_orders(tx, actor, rows, targets))]
        if len(rows) < page:
            return
        after = rows[-1]["id"]


def changed(tx: Tx, actor: Actor, ids: Iterable[str], targets: Mapping[str, int]) -> list[Put | Del]:
    ids = sorted(ids)
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), ID_BATCH):
        batch = ids[start:start + ID_BATCH]
        for r in tx.query(f"SELECT * FROM work_orders WHERE id IN ({','.join('?' for _ in batch)})", batch):
            rows[r["id"]] = r
    visible = [rows[i] for i in ids if i in rows and can_see_order(actor, rows[i])]
    views = {row["id"]: view for row, view in zip(visible, render_orders(tx, actor, visible, targets))}
    patch: list[Put | Del] = []
    for obj_id in ids:
        row = rows.get(obj_id)
        if obj_id in views:
            patch.append(Put(TYPE, obj_id, views[obj_id]))
        elif row is None or _may_have_seen(tx, actor, row):
            patch.append(Del(TYPE, obj_id))
    return patch


def _may_have_seen(tx: Tx, actor: Actor, row: dict[str, Any]) -> bool:
    """Whether a now-hidden order could be on the device, so a delete is owed (without telling strangers it exists).

    Office roles and guards see by site and category, which only change with the user's own scope (pull
    handles that as a new scope); what comes and goes is a technician's assignment.
    """
    if row["created_by"] == actor.id:
        return True
    return was_dispatched_to(tx, actor.id, row["id"])
