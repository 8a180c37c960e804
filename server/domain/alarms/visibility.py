"""Who may see an alarm, written once: the guards, supervisors and dispatchers of its site (and admins everywhere);
an alarm not yet placed at a site, only the people who place it (supervisors and admins).

Two forms of the one rule: a predicate for one alarm, and a WHERE fragment for lists and pulls.
"""

from __future__ import annotations

from typing import Any, Mapping

from server.domain.access import in_sites
from server.domain.actor import Actor

__all__ = ["ALARM_VIEWERS", "UNPLACED_VIEWERS", "can_see_alarm", "alarm_scope_sql"]

ALARM_VIEWERS = frozenset({"guard", "supervisor", "dispatcher", "admin"})
UNPLACED_VIEWERS = frozenset({"supervisor", "admin"})


def can_see_alarm(actor: Actor, alarm: Mapping[str, Any]) -> bool:
    if actor.role not in ALARM_VIEWERS:
        return False
    if alarm["site_id"] is None:  # not yet placed: the people who place it
        return actor.role in UNPLACED_VIEWERS
    return actor.has_site(alarm["site_id"])


def alarm_scope_sql(actor: Actor) -> tuple[str, list[Any]]:
    """A WHERE fragment over `alarms` (and its parameters) that keeps exactly the rows `can_see_alarm` allows."""
    if actor.role not in ALARM_VIEWERS:
        return "0 = 1", []
    if actor.is_admin:
        return "1 = 1", []
    placed, sites = in_sites("site_id", actor.site_ids)
    return (f"({placed} OR site_id IS NULL)" if actor.role in UNPLACED_VIEWERS else placed), sites
