"""Live updates for open browsers (server-sent events): which alarms, orders and shifts just changed.

Writers publish from any thread; each SSE connection reads its own bounded asyncio queue, and one that falls
too far behind is told to resync instead of losing events silently. Work orders, alarms and shifts also come from
the change log, which every instance reads: a browser on one instance sees what another instance committed, and
every write path (online, sync, sensors, timers) is announced the same way.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

from server.store import Store

log = logging.getLogger(__name__)

# Events one connection may have waiting. Past this the browser is too slow (or a storm too big) for
# updates one by one: it is told to resync (fetch the lists again), which is cheaper than the backlog.
QUEUE_SIZE = 256
# How often the change log is read for objects changed by any write path (online, sync, sensors,
# timers, another process): a board shows a change within this, for one indexed range read.
CHANGES_POLL_S = 0.25
# Change-log rows read per poll at most; a bigger burst is read over the next polls.
CHANGES_BATCH = 5000

RESYNC = {"type": "resync", "reason": "too_many_events"}
# An alarm this instance published itself (the bridge, right after commit) is not published again when the change
# log brings it back within this long; the log is how alarms committed by other instances arrive.
OWN_ALARM_S = 5.0


class Subscription:
    """One open stream: its loop and queue, and whether events were refused because it was full."""

    __slots__ = ("loop", "queue", "overflowed")

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def offer(self, event: dict[str, Any]) -> None:
        """On the subscription's loop: queue the event, or note that it could not be (the stream must resync)."""
        if self.queue.full():
            self.overflowed = True
        else:
            self.queue.put_nowait(event)


class LiveFeed:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()
        self._own_alarms: dict[str, float] = {}  # alarm id -> when this instance published it

    def published_lately(self, alarm_id: str) -> bool:
        """Whether this instance's bridge announced the alarm within OWN_ALARM_S; answers True once per announcement,
        so the change row of that very commit is skipped but a later one (a guard's acknowledgement) is not."""
        with self._lock:
            at = self._own_alarms.pop(alarm_id, None)
        return at is not None and time.monotonic() - at < OWN_ALARM_S

    def subscribe(self) -> Subscription:
        subscription = Subscription()
        with self._lock:
            self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)

    def publish(self, event: dict[str, Any], own: bool = True) -> None:
        """Announce `event`; `own=False` for what the change log brought (never counted as this instance's own)."""
        with self._lock:
            targets = list(self._subscribers)
            if own and event.get("type") == "alarm":
                now = time.monotonic()
                self._own_alarms[event["id"]] = now
                if len(self._own_alarms) > 4 * QUEUE_SIZE:  # a storm: forget what is older than the window
                    self._own_alarms = {k: v for k, v in self._own_alarms.items() if now - v < OWN_ALARM_S}
        for subscription in targets:
            try:
                subscription.loop.call_soon_threadsafe(subscription.offer, event)
            except RuntimeError:  # that connection's loop is closed
                self.unsubscribe(subscription)


# The change-log types a live board follows: a guard's acknowledgement reaches the other guards' boards and
# the supervisor's queue, whether it came online, through a sync push or from a notification's action.
LIVE_TYPES = ("alarm", "work_order", "shift")


class WorkOrderChanges:
    """Publishes `work_order`, `alarm` and `shift` events for every object the change log says was written, whoever
    wrote it (this instance or another). The PostgreSQL store may wake the poll with LISTEN/NOTIFY; the read is the same."""

    def __init__(self, store: Store, feed: LiveFeed) -> None:
        self.store, self.feed = store, feed
        self._stop = threading.Event()
        self._seen = self.store.read(lambda tx: tx.one("SELECT coalesce(max(version), 0) AS v FROM changes"))["v"]
        self._thread = threading.Thread(target=self._run, name="live-changes", daemon=True)

    def start(self) -> "WorkOrderChanges":
        self._thread.start()
        return self

    def poll(self) -> None:
        rows = self.store.read(lambda tx: tx.query("SELECT version, type, obj_id FROM changes WHERE version > ? ORDER BY version LIMIT ?",
                                                   (self._seen, CHANGES_BATCH)))
        if not rows:
            return
        self._seen = rows[-1]["version"]
        # One event per object per poll, in change order; alarms this instance's bridge published already are skipped.
        for kind, obj_id in dict.fromkeys((r["type"], r["obj_id"]) for r in rows if r["type"] in LIVE_TYPES):
            if kind == "alarm" and self.feed.published_lately(obj_id):
                continue
            self.feed.publish({"type": kind, "id": obj_id}, own=False)

    def _run(self) -> None:
        while not self._stop.wait(CHANGES_POLL_S):
            try:
                self.poll()
            except Exception:  # a failed read (disk, lock) must not end live updates for good
                log.exception("reading the change log for live updates failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
