"""Read side of alarms: lists and details through the caller's scope, dead letters, live-event visibility.

Kept out of the route layer so handlers hold no SQL.
"""

from __future__ import annotations

import time
from typing import Any

from server.domain.access import can_see_order, in_sites
from server.domain.actor import Actor
from server.domain.alarms.visibility import can_see_alarm
from server.domain.duty import load_alarm, render_alarm
from server.domain.shifts import can_see_shift
from server.domain.system_texts import decode_args
from server.auth import token_digest
from server.clock import now, parse_rfc3339
from server.errors import Forbidden, Unauthorized
from server.store import Tx


def alarm_with_deliveries(tx: Tx, actor: Actor, alarm_id: str) -> dict[str, Any]:
    """One alarm the caller may see, with every push delivery attempt made for it."""
    view = render_alarm(load_alarm(tx, actor, alarm_id))
    rows = tx.query("SELECT user_id, status, ok, error, attempted_at FROM push_deliveries WHERE alarm_id = ? ORDER BY id", (alarm_id,))
    view["deliveries"] = [{**r, "ok": None if r["ok"] is None else bool(r["ok"])} for r in rows]
    return view


def dead_letters(tx: Tx, actor: Actor, limit: int) -> list[dict[str, Any]]:
    """The newest unreadable sensor messages the caller may see: their sites' and the unplaced ones (admins: all)."""
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("dead letters are for supervisors", code="role_not_allowed")
    where, params = dead_letter_scope_sql(actor)
    rows = tx.query("SELECT id, site_id, topic, payload, reason, reason_code, reason_args, received_at FROM dead_letters"
                    f" WHERE {where} ORDER BY id DESC LIMIT ?", (*params, limit))
    # `reason` is the English fallback; `reason_code` and `reason_args` say it as data, for the reader's language
    return [{**r, "reason_args": decode_args(r["reason_args"]),
             "payload": r["payload"][:2048].decode("utf-8", "replace") if isinstance(r["payload"], bytes) else str(r["payload"])[:2048]} for r in rows]


def dead_letter_scope_sql(actor: Actor) -> tuple[str, list[Any]]:
    """Like unplaced alarms, an unplaced letter (no site in its topic, device not registered) is shown to every
    supervisor: they are the ones who register the device; what is placed stays with its site's supervisors."""
    if actor.is_admin:
        return "1 = 1", []
    placed, sites = in_sites("site_id", actor.site_ids)
    return f"(site_id IS NULL OR {placed})", sites


def visible_event(actor: Actor, event: dict[str, Any]) -> bool:
    """Whether `actor` may see what a live event names, from the scope the event carries (server/live.py): no I/O."""
    if event["type"] == "alarm":
        return can_see_alarm(actor, event)
    if event["type"] == "work_order":
        return can_see_order(actor, event)
    if event["type"] == "shift":
        return can_see_shift(actor, event)
    return False


# A stream's session (token, role, sites) is read again at least this often, so a revocation made by another
# process (the CLI) ends it within this; revocations in this process end it at once (LiveFeed.sessions_changed).
SESSION_RECHECK_S = 5.0


class StreamScope:
    """Who an open stream serves, known at open and renewed when sessions change: decides visibility without I/O."""

    __slots__ = ("actor", "generation", "checked_at")

    def __init__(self, actor: Actor, generation: int) -> None:
        self.actor, self.generation, self.checked_at = actor, generation, time.monotonic()

    def visible(self, event: dict[str, Any]) -> bool:
        return visible_event(self.actor, event)

    @property
    def sites(self) -> frozenset[str] | None:
        """The sites outside which `visible` never says yes, for the live feed's index (None: any site). Admins
        see every site; a technician keeps orders assigned to them at a site no longer theirs (can_see_order)."""
        if self.actor.is_admin or self.actor.role == "technician":
            return None
        return self.actor.site_ids

    def stale(self, generation: int) -> bool:
        return generation != self.generation or time.monotonic() - self.checked_at >= SESSION_RECHECK_S

    def renew(self, actor: Actor, generation: int) -> None:
        self.actor, self.generation, self.checked_at = actor, generation, time.monotonic()


def token_seconds_left(tx: Tx, token: str) -> float:
    """How long a (valid) token has to live: an open event stream ends when it expires."""
    row = tx.one("SELECT expires_at FROM tokens WHERE token_hash = ?", (token_digest(token),))
    return (parse_rfc3339(row["expires_at"]) - now()).total_seconds() if row else 0.0


def stream_actor(services: Any, token: str) -> Actor | None:
    """For an open stream: the token's user as they are now, or None once it is revoked or expired (or the user disabled)."""
    try:
        return services.session.actor_for(token)
    except Unauthorized:
        return None
