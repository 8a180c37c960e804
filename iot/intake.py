"""The bridge's handler: adapters read each message, the domain applies a batch in one commit (one fsync), then the
owed pushes are sent and the live feed told; an unreadable payload is a dead letter and never stops the bridge.

What a message does to alarms and tickets is the domain's (server/domain/alarms/intake.py); this is the MQTT side.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from iot.adapters import adapt
from iot.bridge import ReceivedMessage
from iot.topic_site import site_of_topic
from server.clock import now
from server.domain.alarms.events import SensorEvent
from server.domain.alarms.intake import ReadMessage, apply_batch, keep_dead_letter
from server.domain.alarms.rules import EMERGENCY_KINDS
from server.metrics import ALARM_LATENCY, ALARMS

log = logging.getLogger(__name__)

# Dead letters are summarised in the log at most this often, so a garbage flood cannot flood the log too.
DEAD_LETTER_LOG_EVERY_S = 60.0
# Emergency sensors remembered as active (for the fast lane only); past this many the memory starts afresh,
# which at worst lets a storm's repeats into the fast lane for one batch.
ACTIVE_MEMORY = 100_000
# Adapted messages waiting for their batch at most (the broker's in-flight window is 65,535).
ADAPTED_MEMORY = 100_000


def _alarm_key(event: SensorEvent) -> tuple[str, str | None, str, str]:
    return (event.source, event.site_id, event.device, event.kind)


class SensorIntake:
    def __init__(self, services: Any, pusher: Any, feed: Any) -> None:
        self.services, self.pusher, self.feed = services, pusher, feed
        self._dead_since_log = 0
        self._last_log = 0.0
        # Emergency sensors whose last committed message said active: their repeats are bulk, not urgent.
        self._active: set[tuple[str, str | None, str, str]] = set()
        # Events `urgent` read on the network thread, so the batch does not read the same payload again.
        self._adapted: dict[tuple[str, bytes], list[SensorEvent]] = {}

    def urgent(self, msg: ReceivedMessage) -> bool:
        """On the network thread: may this message raise a new emergency alarm (not a repeat of an active one)?
        Only orders the work (MqttBridge's fast lane); the rules decide in the transaction as always."""
        events = adapt(msg.topic, msg.payload)
        if len(self._adapted) >= ADAPTED_MEMORY:  # messages dropped before their batch (a lost connection) leave theirs here
            self._adapted.clear()
        self._adapted[(msg.topic, msg.payload)] = events
        return any(e.active and e.kind in EMERGENCY_KINDS and _alarm_key(e) not in self._active for e in events)

    def handle(self, msg: ReceivedMessage) -> None:
        """One message (the bridge's unbatched mode); PayloadRejected goes to dead_letter."""
        self._commit([(msg, adapt(msg.topic, msg.payload))])

    def handle_batch(self, msgs: list[ReceivedMessage]) -> None:
        """Several messages in one transaction; unreadable ones are kept as dead letters in it."""
        readable: list[ReadMessage] = []
        for msg in msgs:
            try:
                events = self._adapted.pop((msg.topic, msg.payload), None)  # adapters are pure: same bytes, same events
                readable.append((msg, events if events is not None else adapt(msg.topic, msg.payload)))
            except Exception as exc:  # every failure to read a payload is a dead letter, whatever raised
                readable.append((msg, exc))
        self._commit(readable)

    def dead_letter(self, msg: ReceivedMessage, exc: BaseException) -> None:
        reason = self.services.store.write(lambda tx: keep_dead_letter(tx, msg, exc, site_of_topic))
        self._count_dead_letters([(msg.topic, reason)])

    def _commit(self, items: list[ReadMessage]) -> None:
        started = time.perf_counter()
        received = now()
        escalate = self.services.settings.escalate_after_s

        def work(tx: Any) -> tuple[Any, list[int]]:
            batch = apply_batch(tx, items, received, escalate, site_of_topic)
            # claimed in the alarm's own commit: the push goes out right after it, without a commit of its own
            return batch, self.pusher.claim_in(tx, batch.alarms.outbox_ids)

        batch, claimed = self.services.store.write(work)
        for result in batch.applied:
            ALARMS.labels(result).inc()
        self._count_dead_letters(batch.dead_letters)
        self._remember_active(items)
        ALARM_LATENCY.observe(time.perf_counter() - started)
        self.pusher.send(batch.alarms.outbox_ids, claimed)
        if batch.alarms.alarm_ids:
            self.feed.publish_alarms(batch.alarms.alarm_ids)

    def _remember_active(self, items: list[ReadMessage]) -> None:
        if len(self._active) > ACTIVE_MEMORY:
            self._active = set()
        for _, events in items:
            for event in events if isinstance(events, list) else ():
                if event.kind in EMERGENCY_KINDS:
                    (self._active.add if event.active else self._active.discard)(_alarm_key(event))

    def _count_dead_letters(self, kept: list[tuple[str, str]]) -> None:
        for topic, reason in kept:
            ALARMS.labels("dead_letter").inc()
            self._dead_since_log += 1
            if time.monotonic() - self._last_log > DEAD_LETTER_LOG_EVERY_S:
                log.warning("%d unreadable sensor messages kept as dead letters (latest on %s: %s); supervisors see them at /api/v1/dead-letters",
                            self._dead_since_log, topic, reason)
                self._dead_since_log, self._last_log = 0, time.monotonic()
