"""Alarm escalation: an emergency alarm nobody acknowledged by its deadline (`alarms.escalate_at`) is owed to its
site's supervisors, once across instances; and how many such alarms are waiting (the unacknowledged gauge).
"""

from __future__ import annotations

import logging
from datetime import datetime

from server.clock import parse_rfc3339, to_rfc3339
from server.domain.changes import touch
from server.push.outbox import owe_push
from server.push.payload import AlarmPush
from server.store import Tx

__all__ = ["escalate_due", "unacked_alarms"]

log = logging.getLogger(__name__)


def escalate_due(tx: Tx, at: datetime) -> list[int]:
    """Every emergency alarm past its deadline with nobody's acknowledgement: owe its site's supervisors a push."""
    owed = []
    for alarm in tx.query("SELECT * FROM alarms WHERE acked_at IS NULL AND escalated_at IS NULL AND escalate_at <= ?", (to_rfc3339(at),)):
        # Only if still unescalated and unacknowledged as it is marked: another instance may have just done it
        # (PostgreSQL re-checks the condition on the row it locks), or the guard acknowledged meanwhile.
        if not tx.execute("UPDATE alarms SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL AND acked_at IS NULL", (to_rfc3339(at), alarm["id"])):
            continue
        touch(tx, "alarm", alarm["id"])
        push = AlarmPush(alarm_id=alarm["id"], work_order_id=alarm["work_order_id"], site_id=alarm["site_id"] or "",
                         kind=alarm["kind"], zone=alarm["zone"], ts=alarm["first_seen"], escalated=True)
        owed.append(owe_push(tx, alarm["id"], "supervisors", alarm["site_id"], push, alarm["work_order_id"] or alarm["id"], at))
        log.warning("alarm %s (%s at %s) unacknowledged for %.0f s: escalated to supervisors", alarm["id"], alarm["kind"], alarm["site_id"],
                    (at - parse_rfc3339(alarm["first_seen"])).total_seconds())
    return owed


def unacked_alarms(tx: Tx) -> int:
    """Emergency alarms (those with an escalation deadline) nobody has acknowledged or resolved yet."""
    return tx.one("SELECT count(*) AS n FROM alarms WHERE acked_at IS NULL AND escalate_at IS NOT NULL AND resolved_at IS NULL")["n"]
