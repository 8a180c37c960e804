"""Who may see what: work orders by role, site and assignment; customer details only where work needs them.

An object outside a user's view answers 404 (they may not know it exists); a visible one they may not change, 403.
"""

from __future__ import annotations

from typing import Any, Iterable

from server.domain.actor import Actor
from server.domain.status_rules import ACTIVE_STATUSES
from server.errors import Forbidden, NotFound
from server.store import Tx

OFFICE_ROLES = frozenset({"dispatcher", "supervisor", "admin"})
GUARD_CATEGORIES = ("emergency", "help")


def in_sites(column: str, site_ids: Iterable[str]) -> tuple[str, list[str]]:
    """A WHERE fragment `column IN (...)` over these sites with its parameters; no sites select nothing (`IN (NULL)`)."""
    sites = sorted(site_ids)
    return f"{column} IN ({','.join('?' for _ in sites) or 'NULL'})", sites


def site_scope(actor: Actor, column: str = "site_id") -> tuple[str, list[str]]:
    """The rows of the sites `actor` works on (admins: every site), as a WHERE fragment and its parameters."""
    if actor.is_admin:
        return "1 = 1", []
    return in_sites(column, actor.site_ids)


def can_see_order(actor: Actor, wo: dict[str, Any]) -> bool:
    if actor.is_admin:
        return True
    if not actor.has_site(wo["site_id"]):
        # A technician keeps their assigned orders even if the site list changed meanwhile.
        return actor.role == "technician" and wo.get("assignee_id") == actor.id
    if actor.role in OFFICE_ROLES:
        return True
    if actor.role == "technician":
        return wo.get("assignee_id") == actor.id or wo.get("created_by") == actor.id
    if actor.role == "guard":
        return wo["category"] in GUARD_CATEGORIES or wo.get("created_by") == actor.id
    return False


def may_see_customer(actor: Actor, wo: dict[str, Any]) -> bool:
    """Whether `actor` may see the customer's name and phone on an order they can see (README "Privacy").

    The office (the site's dispatchers and supervisors, admin) records, dispatches and calls back: always.
    The assigned technician goes to the unit, agrees the price and takes the signature: while the job is open.
    A guard on an open order they recorded: after hours the monitoring room takes the service line, and whoever
    takes the first contact owns it (首问负责制). Guards are never dispatched, so recording it is how a guard
    holds an order; the site's other emergencies show the unit (where to go), not who called.
    Nobody else: not a technician who only recorded a finding, nor anyone once the job is over.
    """
    if actor.role in OFFICE_ROLES:
        return True
    if wo["status"] not in ACTIVE_STATUSES:
        return False
    if actor.role == "technician":
        return wo.get("assignee_id") == actor.id
    if actor.role == "guard":
        return wo.get("created_by") == actor.id
    return False


def order_scope_sql(actor: Actor) -> tuple[str, list[Any]]:
    """A WHERE fragment over `work_orders` selecting what `actor` may see (mirrors can_see_order)."""
    if actor.is_admin:
        return "1 = 1", []
    on_sites, sites = in_sites("site_id", actor.site_ids)
    marks = ",".join("?" for _ in sites) or "NULL"
    if actor.role in OFFICE_ROLES:
        return on_sites, sites
    if actor.role == "technician":
        return "(assignee_id = ? OR (created_by = ? AND site_id IN (" + marks + ")))", [actor.id, actor.id, *sites]
    if actor.role == "guard":
        return f"site_id IN ({marks}) AND (category IN ('emergency', 'help') OR created_by = ?)", [*sites, actor.id]
    return "0 = 1", []


def load_order(tx: Tx, actor: Actor, work_order_id: str) -> dict[str, Any]:
    """The order row if `actor` may see it, else 404."""
    wo = tx.one("SELECT * FROM work_orders WHERE id = ?", (work_order_id,))
    if wo is None or not can_see_order(actor, wo):
        raise NotFound(f"no work order {work_order_id}", code="work_order_not_found")
    return wo


def require_assignee(actor: Actor, wo: dict[str, Any], doing: str) -> None:
    if actor.role == "technician" and wo.get("assignee_id") != actor.id:
        raise Forbidden(f"only the assigned technician may {doing}", code="not_assignee")


def require_site(actor: Actor, site_id: str) -> None:
    if not actor.has_site(site_id):
        raise NotFound(f"no site {site_id}", code="site_not_found")


def salvage_target(tx: Tx, actor: Actor, work_order_id: str) -> dict[str, Any] | None:
    """The order a refused mutation's facts may be kept on: one the actor sees, created, or was ever sent to.

    A technician reassigned away while offline still gets their notes and photos onto the order; a
    stranger's refused mutation keeps nothing on an order that was never theirs.
    """
    wo = tx.one("SELECT * FROM work_orders WHERE id = ?", (work_order_id,))
    if wo is None:
        return None
    if can_see_order(actor, wo) or wo["created_by"] == actor.id:
        return wo
    return wo if was_dispatched_to(tx, actor.id, work_order_id) else None


def was_dispatched_to(tx: Tx, user_id: str, work_order_id: str) -> bool:
    """Whether the order was ever sent to this technician (the dispatch events keep every assignment)."""
    return tx.one(f"SELECT 1 AS x FROM wo_events WHERE work_order_id = ? AND name = 'dispatch' AND {tx.json_text('data', 'technician_id')} = ?",
                  (work_order_id, user_id)) is not None
