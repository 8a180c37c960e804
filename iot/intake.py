"""The bridge's handler: a sensor message becomes committed alarms, then owed pushes and live updates.

Unreadable payloads are kept as dead letters (topic, bytes, reason) and never stop the bridge.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from iot.adapters import adapt
from iot.alarm_rules import apply_events
from iot.bridge import ReceivedMessage
from server.clock import now, now_text
from server.metrics import ALARM_LATENCY, ALARMS
from server.store import Tx

log = logging.getLogger(__name__)

# Dead letters are summarised in the log at most this often, so a garbage flood cannot flood the log too.
DEAD_LETTER_LOG_EVERY_S = 60.0


class SensorIntake:
    def __init__(self, services: Any, pusher: Any, feed: Any) -> None:
        self.services, self.pusher, self.feed = services, pusher, feed
        self._dead_since_log = 0
        self._last_log = 0.0

    def handle(self, msg: ReceivedMessage) -> None:
        started = time.perf_counter()
        events = adapt(msg.topic, msg.payload)  # PayloadRejected → on_error → dead letter
        if not events:
            return
        received = now()
        escalate = self.services.settings.escalate_after_s
        outcome = self.services.store.write(lambda tx: apply_events(tx, events, received, escalate))
        ALARM_LATENCY.observe(time.perf_counter() - started)
        ALARMS.labels("duplicate" if outcome.duplicate else "raised" if outcome.outbox_ids else "updated").inc()
        self.pusher.send(outcome.outbox_ids)
        for alarm_id in outcome.alarm_ids:
            self.feed.publish({"type": "alarm", "id": alarm_id})

    def dead_letter(self, msg: ReceivedMessage, exc: BaseException) -> None:
        reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"

        def keep(tx: Tx) -> None:
            tx.insert("dead_letters", {"topic": msg.topic, "payload": msg.payload, "reason": str(reason)[:1000], "received_at": now_text()})

        self.services.store.write(keep)
        ALARMS.labels("dead_letter").inc()
        self._dead_since_log += 1
        if time.monotonic() - self._last_log > DEAD_LETTER_LOG_EVERY_S:
            log.warning("%d unreadable sensor messages kept as dead letters (latest on %s: %s); supervisors see them at /api/v1/dead-letters",
                        self._dead_since_log, msg.topic, reason)
            self._dead_since_log, self._last_log = 0, time.monotonic()
