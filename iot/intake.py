"""The bridge's handler: sensor messages become committed alarms, then owed pushes and live updates.

Messages arrive in batches committed together (one fsync); an unreadable payload becomes a dead letter
(topic, bytes, reason) in the same transaction and never stops the bridge.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from iot.adapters import adapt
from iot.bridge import ReceivedMessage
from iot.topic_site import site_of_topic
from server.clock import now, now_text
from server.domain.alarms.batch import apply_batch
from server.domain.alarms.events import PayloadRejected, SensorEvent
from server.domain.alarms.rules import EMERGENCY_KINDS, AlarmOutcome, apply_events
from server.domain.system_texts import SystemText
from server.metrics import ALARM_LATENCY, ALARMS
from server.store import Tx

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
        readable: list[tuple[ReceivedMessage, list[SensorEvent] | BaseException]] = []
        for msg in msgs:
            try:
                events = self._adapted.pop((msg.topic, msg.payload), None)  # adapters are pure: same bytes, same events
                readable.append((msg, events if events is not None else adapt(msg.topic, msg.payload)))
            except Exception as exc:  # every failure to read a payload is a dead letter, whatever raised
                readable.append((msg, exc))
        self._commit(readable)

    def dead_letter(self, msg: ReceivedMessage, exc: BaseException) -> None:
        self.services.store.write(lambda tx: self._keep_dead_letter(tx, msg, exc))

    def _commit(self, items: list[tuple[ReceivedMessage, list[SensorEvent] | BaseException]]) -> None:
        started = time.perf_counter()
        received = now()
        escalate = self.services.settings.escalate_after_s

        def work(tx: Tx) -> AlarmOutcome:
            for msg, events in items:  # unreadable payloads, and the unreadable parts of readable ones, are kept for supervisors
                if isinstance(events, BaseException):
                    self._keep_dead_letter(tx, msg, events)
                    continue
                for event in events:
                    if event.kind == "unrecognized":  # the readable part is applied; the rest is shown to supervisors
                        self._keep_dead_letter(tx, msg, PayloadRejected("keys_unknown", keys=event.detail or "?"))
            readable = [(msg, events) for msg, events in items if not isinstance(events, BaseException)]
            # The whole batch at once (a storm's repeats merged); if any message breaks it, message by message.
            tx.execute("SAVEPOINT batch")
            try:
                outcome = apply_batch(tx, [events for _, events in readable], received, escalate)
            except Exception:
                tx.execute("ROLLBACK TO batch")
                log.warning("a batch of %d sensor messages failed as a whole; applying them one by one", len(readable), exc_info=True)
                return self._apply_one_by_one(tx, readable, received, escalate)
            finally:
                tx.execute("RELEASE batch")
            for label in outcome.labels:
                ALARMS.labels(label).inc()
            return outcome

        total = self.services.store.write(work)
        self._remember_active(items)
        ALARM_LATENCY.observe(time.perf_counter() - started)
        self.pusher.send(total.outbox_ids)
        if total.alarm_ids:
            self.feed.publish_alarms(total.alarm_ids)

    def _apply_one_by_one(self, tx: Tx, items: list[tuple[ReceivedMessage, list[SensorEvent]]], received: datetime,
                          escalate: float) -> AlarmOutcome:
        """Each message in its own savepoint: one that fails is kept as a dead letter, the others are applied."""
        total = AlarmOutcome()
        touched: dict[str, None] = {}  # ordered, so a rolled-back message's additions can be taken off the end
        for n, (msg, events) in enumerate(items):
            tx.execute(f"SAVEPOINT m{n}")
            logged = len(touched)
            try:
                outcome = apply_events(tx, events, received, escalate, touched)
            except Exception as exc:  # one message's bug must not cost the batch: keep it, go on
                tx.execute(f"ROLLBACK TO m{n}")
                for alarm_id in list(touched)[logged:]:  # its change-log rows were rolled back with it
                    del touched[alarm_id]
                log.exception("sensor message on %s could not be applied", msg.topic)
                self._keep_dead_letter(tx, msg, exc)
                continue
            finally:
                tx.execute(f"RELEASE m{n}")
            total.outbox_ids += outcome.outbox_ids
            total.alarm_ids += [a for a in outcome.alarm_ids if a not in total.alarm_ids]
            ALARMS.labels("duplicate" if outcome.duplicate else "raised" if outcome.outbox_ids else "updated").inc()
        return total

    def _remember_active(self, items: list[tuple[ReceivedMessage, list[SensorEvent] | BaseException]]) -> None:
        if len(self._active) > ACTIVE_MEMORY:
            self._active = set()
        for _, events in items:
            for event in events if isinstance(events, list) else ():
                if event.kind in EMERGENCY_KINDS:
                    (self._active.add if event.active else self._active.discard)(_alarm_key(event))

    def _keep_dead_letter(self, tx: Tx, msg: ReceivedMessage, exc: BaseException) -> None:
        # the reason as a system text supervisors read in their language; a bug's exception is worded as one too
        said = exc.said if isinstance(exc, PayloadRejected) else SystemText("apply_failed", {"error": f"{type(exc).__name__}: {exc}"[:500]})
        reason = said.english()
        tx.insert("dead_letters", {"topic": msg.topic, "payload": msg.payload, "reason": reason[:1000], "received_at": now_text(),
                                   "site_id": site_of_topic(tx, msg.topic), "reason_code": said.code, "reason_args": said.args_json()})
        ALARMS.labels("dead_letter").inc()
        self._dead_since_log += 1
        if time.monotonic() - self._last_log > DEAD_LETTER_LOG_EVERY_S:
            log.warning("%d unreadable sensor messages kept as dead letters (latest on %s: %s); supervisors see them at /api/v1/dead-letters",
                        self._dead_since_log, msg.topic, reason)
            self._dead_since_log, self._last_log = 0, time.monotonic()
