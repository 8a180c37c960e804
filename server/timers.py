"""Timers kept as data: alarm escalation to supervisors and silent-device checks, run by one thread.

Deadlines live in the database (alarms.escalate_at, sensor_devices.last_seen), so a restart loses none.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from iot.alarm_rules import forget_old_messages, owe_push, silent_devices
from server.clock import now, parse_rfc3339, to_rfc3339
from server.domain.changes import touch
from server.metrics import ALARMS_UNACKED
from server.push.payload import AlarmPush
from server.store import Tx

log = logging.getLogger(__name__)

# Escalation is due within a second of its deadline; checking more often would only spin the writer.
TICK_S = 0.5
# Silence is judged in hours, so once a minute is plenty.
SILENCE_EVERY_S = 60.0


def escalate_due(tx: Tx, at: datetime) -> list[int]:
    """Every emergency alarm past its deadline with nobody's acknowledgement: owe its site's supervisors a push."""
    owed = []
    for alarm in tx.query("SELECT * FROM alarms WHERE acked_at IS NULL AND escalated_at IS NULL AND escalate_at <= ?", (to_rfc3339(at),)):
        tx.execute("UPDATE alarms SET escalated_at = ? WHERE id = ?", (to_rfc3339(at), alarm["id"]))
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
        self._last_silence = 0.0

    def start(self) -> "Timers":
        self._thread.start()
        return self

    def tick(self) -> None:
        at = now()
        owed = self.services.store.write(lambda tx: escalate_due(tx, at))
        self.pusher.send(owed)
        self.pusher.send_owed()  # pushes mutations wrote to the outbox (online or synced), within a tick of their commit
        unacked = self.services.store.read(lambda tx: tx.one(
            "SELECT count(*) AS n FROM alarms WHERE acked_at IS NULL AND escalate_at IS NOT NULL AND resolved_at IS NULL"))["n"]
        ALARMS_UNACKED.set(unacked)
        if self.services.bridge is not None:
            self.services.bridge.state  # refreshes the MQTT gauge even when nobody reads /health
        if at.timestamp() - self._last_silence >= SILENCE_EVERY_S:
            self._last_silence = at.timestamp()
            escalate = self.services.settings.escalate_after_s
            outcome = self.services.store.write(lambda tx: silent_devices(tx, at, self.silent_after_s, escalate))
            self.services.store.write(lambda tx: forget_old_messages(tx, at))
            self.feed.publish_alarms(outcome.alarm_ids)

    def _run(self) -> None:
        while not self._stop.wait(TICK_S):
            try:
                self.tick()
            except Exception:  # a bad tick must not end escalation for good
                log.exception("timer tick failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
