"""Alarm rules over a whole batch of messages at once: what `apply_events` does message by message, with a storm's
repeats merged in memory and written once per batch (one dedupe insert, one liveness row per device, one count update).

The rules are the same (server/domain/alarms/rules.py decides every new alarm, clear and chatter); only repeats of an alarm
already active and the bookkeeping every message pays are gathered. Any failure falls back to message by message.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from server.domain.alarms.rules import AlarmOutcome, Placement, _clear, _raise, place
from server.domain.alarms.events import SensorEvent
from server.clock import to_rfc3339
from server.domain.changes import touch_many
from server.store import Tx

__all__ = ["BatchOutcome", "apply_batch", "chunks"]

# Rows per multi-row statement: a few fixed sizes, so a batch of any length is a handful of statements and the
# drivers' statement caches (sqlite3's, psycopg's placeholder translation) see a bounded set of shapes.
CHUNK_SIZES = (256, 64, 16, 4, 1)

DeviceKey = tuple[str, str, str]  # sensor_devices' key: source, the site its topic names ('' if none), device
AlarmKey = tuple[str | None, str, str]  # one active alarm: site, device, kind


class BatchOutcome(AlarmOutcome, kw_only=True):
    labels: list[str]
    """Per message, for the ALARMS metric: duplicate, raised or updated."""


def chunks(rows: list, sizes: tuple[int, ...] = CHUNK_SIZES) -> Iterator[list]:
    """`rows` cut into pieces whose lengths are all in `sizes` (largest first)."""
    start = 0
    for size in sizes:
        while len(rows) - start >= size:
            yield rows[start:start + size]
            start += size


def apply_batch(tx: Tx, messages: list[list[SensorEvent]], received: datetime, escalate_after_s: float) -> BatchOutcome:
    """Every message's events in arrival order, as `apply_events` would apply them one message after another."""
    at = to_rfc3339(received)
    fresh = _fresh_identities(tx, messages, at)
    outcome = BatchOutcome(labels=[])
    places: dict[tuple[str, str | None, str, str | None], Placement] = {}
    logged: list[str] = []  # alarms whose change-log entry is written at the end (touch_many)
    active: dict[tuple[str | None, str], dict[str, str]] = {}  # (site, device) → kind → id of its active alarm
    repeats: dict[str, int] = {}  # alarm id → repeats of it in this batch, not yet counted
    liveness: dict[DeviceKey, list] = {}
    for events in messages:
        raised, duplicate = len(outcome.outbox_ids), False
        for event in events:
            if event.message_id in fresh:
                fresh.discard(event.message_id)  # a second event with the same identity is a redelivery
            elif _exact(event.message_id):
                duplicate = True
                continue
            key = (event.source, event.site_id, event.device, event.zone)  # a placement carries the event's zone
            where = places.get(key)
            if where is None:
                where = places[key] = place(tx, event)
            _note_liveness(liveness, event, where)
            device_alarms = _active_alarms(tx, active, where)
            if "silent" in device_alarms:  # any message proves the device is alive
                _clear(tx, "silent", where, received, outcome)
                active.pop((where.site_id, where.device_id))
            if event.kind in ("heartbeat", "unrecognized"):
                continue
            kind, on = ("offline", not event.active) if event.kind == "availability" else (event.kind, event.active)
            current = _active_alarms(tx, active, where).get(kind)
            if on and current is not None:  # a repeat: counted at the end, logged once per batch
                repeats[current] = repeats.get(current, 0) + 1
                _note_change(outcome, logged, current)
            elif on:
                _raise(tx, kind, where, event, received, escalate_after_s, outcome)
                active.pop((where.site_id, where.device_id))  # read again: the rules just wrote it
            elif current is not None:
                _clear(tx, kind, where, received, outcome)
                active.pop((where.site_id, where.device_id))
        outcome.labels.append("duplicate" if duplicate else "raised" if len(outcome.outbox_ids) > raised else "updated")
    _count_repeats(tx, repeats, at)
    _write_liveness(tx, liveness, at)
    touch_many(tx, "alarm", logged)
    return outcome


def _note_change(outcome: AlarmOutcome, logged: list[str], alarm_id: str) -> None:
    # As rules._changed, with the change-log entry written at the end for the whole batch.
    if alarm_id not in outcome.touched:
        outcome.touched[alarm_id] = None
        logged.append(alarm_id)
    if alarm_id not in outcome.alarm_ids:
        outcome.alarm_ids.append(alarm_id)


def _exact(message_id: str) -> bool:
    # As rules._seen_before: only identities a device numbered or timestamped are remembered.
    return ":seq:" in message_id or ":ts:" in message_id


def _fresh_identities(tx: Tx, messages: list[list[SensorEvent]], at: str) -> set[str]:
    """The batch's exact message identities never seen before, remembered now (one insert per chunk)."""
    wanted = list(dict.fromkeys(e.message_id for events in messages for e in events if _exact(e.message_id)))
    fresh: set[str] = set()
    for part in chunks(wanted):
        marks = ", ".join("(?, ?)" for _ in part)
        rows = tx.query(f"INSERT INTO sensor_messages (message_id, received_at) VALUES {marks}"
                        " ON CONFLICT (message_id) DO NOTHING RETURNING message_id", [v for m in part for v in (m, at)])
        fresh.update(row["message_id"] for row in rows)
    return fresh


def _active_alarms(tx: Tx, active: dict[tuple[str | None, str], dict[str, str]], where: Placement) -> dict[str, str]:
    """The device's active alarms by kind, read once per batch (and again after the rules changed them)."""
    key = (where.site_id, where.device_id)
    found = active.get(key)
    if found is None:
        rows = tx.query("SELECT id, kind FROM alarms WHERE site_id IS NOT DISTINCT FROM ? AND device_id = ? AND state = 'active'", key)
        found = active[key] = {row["kind"]: row["id"] for row in rows}
    return found


def _note_liveness(liveness: dict[DeviceKey, list], event: SensorEvent, where: Placement) -> None:
    # The last message of the batch decides; a battery level survives messages that do not report one.
    key = (event.source, event.site_id or "", event.device)
    online = 0 if (event.kind == "availability" and not event.active) else 1
    before = liveness.get(key)
    battery = event.battery if event.battery is not None or before is None else before[2]
    liveness[key] = [where.site_id, online, battery]


def _write_liveness(tx: Tx, liveness: dict[DeviceKey, list], at: str) -> None:
    rows = [(*key, site_id, at, online, battery) for key, (site_id, online, battery) in liveness.items()]
    for part in chunks(rows):
        marks = ", ".join("(?, ?, ?, ?, ?, ?, ?)" for _ in part)
        tx.execute(
            f"INSERT INTO sensor_devices (source, topic_site, device, site_id, last_seen, online, battery) VALUES {marks}"
            " ON CONFLICT (source, topic_site, device) DO UPDATE SET site_id = excluded.site_id, last_seen = excluded.last_seen,"
            " online = excluded.online, battery = coalesce(excluded.battery, sensor_devices.battery), silent_reported_at = NULL",
            [v for row in part for v in row])


def _count_repeats(tx: Tx, repeats: dict[str, int], at: str) -> None:
    # In a storm most alarms repeat equally often in a batch: one UPDATE per repeat count, not per alarm.
    by_count: dict[int, list[str]] = {}
    for alarm_id, n in repeats.items():
        by_count.setdefault(n, []).append(alarm_id)
    for n, ids in by_count.items():
        for part in chunks(ids):
            tx.execute(f"UPDATE alarms SET count = count + ?, last_seen = ? WHERE id IN ({', '.join('?' for _ in part)})", [n, at, *part])
