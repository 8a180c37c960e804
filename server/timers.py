"""Timers kept as data: alarm escalation to supervisors and silent-device checks, run by one thread.

Deadlines live in the database (alarms.escalate_at, sensor_devices.last_seen), so a restart loses none; with
several instances each deadline fires once (a conditional UPDATE marks it) on whichever instance is alive.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from server.claims import take_turn
from server.clock import now, parse_rfc3339, to_rfc3339
from server.domain.alarms.rules import forget_old_messages, silent_devices
from server.domain.changes import touch
from server.metrics import ALARMS_UNACKED, PUSH_OUTBOX_OLDEST
from server.push.outbox import oldest_owed_at, owe_push
from server.push.payload import AlarmPush
from server.store import Tx

log = logging.getLogger(__name__)

# Escalation is due within a second of its deadline; checking more often would only spin the writer.
TICK_S = 0.5
# Silence is judged in hours, so once a minute is plenty.
SILENCE_EVERY_S = 60.0
# How often an instance asks whether the silence round is its turn: a round is late by this at most when
# the instance that ran the last one is gone.
TURN_ASK_S = 5.0


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


class Timers:
    def __init__(self, services: Any, pusher: Any, feed: Any, silent_after_s: float) -> None:
        self.services, self.pusher, self.feed, self.silent_after_s = services, pusher, feed, silent_after_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="timers", daemon=True)
        self._ask_turn_at = 0.0

    def start(self) -> "Timers":
        self._thread.start()
        return self

    def tick(self) -> None:
        at = now()
        owed = self.services.store.write(lambda tx: escalate_due(tx, at))
        self.pusher.send(owed)
        self.pusher.send_owed()  # pushes mutations wrote to the outbox (online or synced), within a tick of their commit
        unacked, oldest = self.services.store.read(lambda tx: (tx.one(
            "SELECT count(*) AS n FROM alarms WHERE acked_at IS NULL AND escalate_at IS NOT NULL AND resolved_at IS NULL")["n"],
            oldest_owed_at(tx)))
        ALARMS_UNACKED.set(unacked)
        PUSH_OUTBOX_OLDEST.set(max(0.0, (at - parse_rfc3339(oldest)).total_seconds()) if oldest else 0.0)
        if self.services.bridge is not None:
            self.services.bridge.state  # refreshes the MQTT gauge even when nobody reads /health
        if at.timestamp() < self._ask_turn_at:
            return
        self._ask_turn_at = at.timestamp() + TURN_ASK_S
        escalate = self.services.settings.escalate_after_s

        def silence_round(tx: Tx) -> Any:
            # One instance per minute runs it, whichever is alive; the turn commits with the round, so a round cut
            # short by a crash is taken by the next instance that asks.
            if not take_turn(tx, "device_silence", self.services.holder, at, SILENCE_EVERY_S):
                return None
            forget_old_messages(tx, at)
            return silent_devices(tx, at, self.silent_after_s, escalate)

        outcome = self.services.store.write(silence_round)
        if outcome is not None:
            self.pusher.send(outcome.outbox_ids)
            self.feed.publish_alarms(outcome.alarm_ids)  # with their sites, in one read

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            try:
                self.tick()
            except Exception:  # a bad tick must not end escalation for good
                log.exception("timer tick failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
