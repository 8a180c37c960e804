"""A batch of sensor messages applied in one transaction: the whole batch through the batch rules (a storm's repeats
merged, `batch.py`), or, when that fails, each message's events through the alarm rules under a savepoint of its own;
whatever cannot be read or applied is kept as a dead letter (topic, bytes, reason) in it.

The MQTT side (`iot/intake.py`) reads payloads into events, commits this, and then pushes and publishes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import msgspec

from server.clock import now_text
from server.domain.alarms.batch import apply_batch as apply_together
from server.domain.alarms.events import PayloadRejected, SensorEvent
from server.domain.alarms.rules import AlarmOutcome, apply_events
from server.domain.system_texts import SystemText
from server.store import Tx

__all__ = ["SensorMessage", "ReadMessage", "SiteOfTopic", "BatchOutcome", "apply_batch", "keep_dead_letter"]

log = logging.getLogger(__name__)


class SensorMessage(Protocol):
    """What the domain needs of a received message (iot.bridge.ReceivedMessage is one)."""

    @property
    def topic(self) -> str: ...

    @property
    def payload(self) -> bytes: ...


# A message with what its adapter read from it: the events, or why they could not be read.
ReadMessage = tuple[SensorMessage, list[SensorEvent] | BaseException]
# Which site a topic belongs to, for a dead letter whose payload could not be read (iot.topic_site.site_of_topic).
SiteOfTopic = Callable[[Tx, str], str | None]


class BatchOutcome(msgspec.Struct):
    alarms: AlarmOutcome = msgspec.field(default_factory=AlarmOutcome)
    """Every message's pushes owed and alarms changed, together."""
    applied: list[str] = msgspec.field(default_factory=list)
    """Per applied message: `raised`, `updated` or `duplicate` (the intake's counters)."""
    dead_letters: list[tuple[str, str]] = msgspec.field(default_factory=list)
    """(topic, English reason) of each dead letter kept, for the intake's log summary."""


def apply_batch(tx: Tx, items: list[ReadMessage], received: datetime, escalate_after_s: float, site_of_topic: SiteOfTopic) -> BatchOutcome:
    """Apply every readable message: all at once, and if any message breaks that, message by message, so one
    message's bug costs only that message (rolled back alone and kept as a dead letter)."""
    batch = BatchOutcome()
    readable: list[tuple[SensorMessage, list[SensorEvent]]] = []
    for msg, events in items:  # unreadable payloads, and the unreadable parts of readable ones, are kept for supervisors
        if isinstance(events, BaseException):
            batch.dead_letters.append((msg.topic, keep_dead_letter(tx, msg, events, site_of_topic)))
            continue
        for event in events:
            if event.kind == "unrecognized":  # the readable part is applied; the rest is shown to supervisors
                unknown = PayloadRejected("keys_unknown", keys=event.detail or "?")
                batch.dead_letters.append((msg.topic, keep_dead_letter(tx, msg, unknown, site_of_topic)))
        readable.append((msg, events))
    tx.execute("SAVEPOINT batch")
    try:
        together = apply_together(tx, [events for _, events in readable], received, escalate_after_s)
    except Exception:
        tx.execute("ROLLBACK TO batch")
        tx.execute("RELEASE batch")
        log.warning("a batch of %d sensor messages failed as a whole; applying them one by one", len(readable), exc_info=True)
        _apply_one_by_one(tx, readable, received, escalate_after_s, site_of_topic, batch)
        return batch
    tx.execute("RELEASE batch")
    batch.alarms.outbox_ids += together.outbox_ids
    batch.alarms.alarm_ids += together.alarm_ids
    batch.applied += together.labels
    return batch


def _apply_one_by_one(tx: Tx, readable: list[tuple[SensorMessage, list[SensorEvent]]], received: datetime,
                      escalate_after_s: float, site_of_topic: SiteOfTopic, batch: BatchOutcome) -> None:
    total = batch.alarms
    touched: dict[str, None] = {}  # ordered, so a rolled-back message's additions can be taken off the end
    for n, (msg, events) in enumerate(readable):
        tx.execute(f"SAVEPOINT m{n}")
        logged = len(touched)
        try:
            outcome = apply_events(tx, events, received, escalate_after_s, touched)
        except Exception as exc:  # one message's bug must not cost the batch: keep it, go on
            tx.execute(f"ROLLBACK TO m{n}")
            for alarm_id in list(touched)[logged:]:  # its change-log rows were rolled back with it
                del touched[alarm_id]
            log.exception("sensor message on %s could not be applied", msg.topic)
            batch.dead_letters.append((msg.topic, keep_dead_letter(tx, msg, exc, site_of_topic)))
            continue
        finally:
            tx.execute(f"RELEASE m{n}")
        total.outbox_ids += outcome.outbox_ids
        total.alarm_ids += [a for a in outcome.alarm_ids if a not in total.alarm_ids]
        batch.applied.append("duplicate" if outcome.duplicate else "raised" if outcome.outbox_ids else "updated")


def keep_dead_letter(tx: Tx, msg: SensorMessage, exc: BaseException, site_of_topic: SiteOfTopic) -> str:
    """Keep an unreadable (or unappliable) message for supervisors; returns its reason in English."""
    # the reason as a system text supervisors read in their language; a bug's exception is worded as one too
    said = exc.said if isinstance(exc, PayloadRejected) else SystemText("apply_failed", {"error": f"{type(exc).__name__}: {exc}"[:500]})
    reason = said.english()
    tx.insert("dead_letters", {"topic": msg.topic, "payload": msg.payload, "reason": reason[:1000], "received_at": now_text(),
                               "site_id": site_of_topic(tx, msg.topic), "reason_code": said.code, "reason_args": said.args_json()})
    return reason
