"""Read side of work orders: one order or a filtered page, always through the caller's visibility scope.

Filters are validated here so bad ones are a clear 422, never a silently empty list.
"""

from __future__ import annotations

from typing import Any

from server.domain.access import load_order, order_scope_sql
from server.domain.actor import Actor
from server.domain.status_rules import STATUSES
from server.domain.views import render_order, render_orders
from server.domain.sla import SlaRules
from server.errors import Invalid
from server.store import Tx


def get_order(tx: Tx, actor: Actor, work_order_id: str, targets: SlaRules) -> dict[str, Any]:
    return render_order(tx, actor, load_order(tx, actor, work_order_id), targets)


def list_orders(tx: Tx, actor: Actor, targets: SlaRules, site_id: str | None, status: str | None, assignee: str | None, limit: int,
                after: str | None) -> list[dict[str, Any]]:
    where, params = order_scope_sql(actor)
    clauses, args = [where], list(params)
    if site_id:
        clauses.append("site_id = ?")
        args.append(site_id)
    if status:
        wanted = [s.strip() for s in status.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in STATUSES]
        if unknown:
            raise Invalid(f"unknown status {', '.join(unknown)}; one of {', '.join(STATUSES)}", code="invalid_filter")
        clauses.append(f"status IN ({','.join('?' for _ in wanted)})")
        args += wanted
    if assignee:
        clauses.append("assignee_id = ?")
        args.append(actor.id if assignee == "me" else assignee)
    if after:
        # Looked up inside the caller's scope: another site's id must answer like an unknown one.
        mark = tx.one(f"SELECT created_at FROM work_orders WHERE id = ? AND {where}", (after, *params))
        if mark is None:
            raise Invalid("the paging cursor names no order", code="invalid_cursor")
        clauses.append("(created_at < ? OR (created_at = ? AND id < ?))")
        args += [mark["created_at"], mark["created_at"], after]
    rows = tx.query(f"SELECT * FROM work_orders WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id DESC LIMIT ?", (*args, limit))
    return render_orders(tx, actor, rows, targets)
