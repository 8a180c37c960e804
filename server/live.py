"""Live updates for open browsers (server-sent events): which alarms, orders and shifts just changed.

Writers publish from any thread; each SSE connection reads its own bounded asyncio queue, and one that falls
too far behind is told to resync instead of losing events silently. Work orders, alarms and shifts also come from
the change log, which every instance reads: a browser on one instance sees what another instance committed, and
every write path (online, sync, sensors, timers) is announced the same way.

An event carries what deciding its audience needs (an alarm's site; an order's site, category, assignee and
author; a shift's site), read once per event by the publisher (for the change log: in the poll's own read), so
each stream decides in memory from the scope it opened with: no database read per stream per event (500 open
streams in a storm were 500 reads per event).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from server.store import Store, Tx

log = logging.getLogger(__name__)

# Events one connection may have waiting. Past this the browser is too slow (or a storm too big) for
# updates one by one: it is told to resync (fetch the lists again), which is cheaper than the backlog.
QUEUE_SIZE = 256
# How often the change log is read for objects changed by any write path (online, sync, sensors,
# timers, another instance): a board shows a change within this, for one indexed range read (20 a second is
# nothing to the store). It keeps an alarm committed on another instance inside the live streams' 100 ms budget.
CHANGES_POLL_S = 0.05
# Change-log rows read per poll at most; a bigger burst is read over the next polls.
CHANGES_BATCH = 5000

RESYNC = {"type": "resync", "reason": "too_many_events"}
# An alarm this instance published itself (the bridge, right after commit) is not published again when the change
# log brings it back within this long; the log is how alarms committed by other instances arrive.
OWN_ALARM_S = 5.0
# The fields of a work order an event carries: exactly what can_see_order decides by.
ORDER_SCOPE = ("site_id", "category", "assignee_id", "created_by")

Visible = Callable[[dict[str, Any]], bool]


class Subscription:
    """One open stream: its loop and queue, who it is for, and whether events were refused because it was full."""

    __slots__ = ("loop", "queue", "overflowed", "visible", "sites")

    def __init__(self, visible: Visible, sites: frozenset[str] | None) -> None:
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False
        self.visible = visible
        """Whether this stream's user may see an event, from the event's own scope fields (no I/O; replaceable)."""
        self.sites = sites
        """The only sites whose events `visible` can accept (None: any); the feed asks only those streams."""

    def offer(self, events: list[dict[str, Any]]) -> None:
        """On the subscription's loop: queue the events, or note that they could not be (the stream must resync)."""
        for event in events:
            if self.queue.full():
                self.overflowed = True
                return
            self.queue.put_nowait(event)


class LiveFeed:
    def __init__(self, store: Store | None = None) -> None:
        self.store = store
        self._subscribers: set[Subscription] = set()
        # The streams by the sites whose events they may see, and those that may see any site's: an event is
        # checked against its site's streams only, so a storm at one site costs the other sites' boards nothing
        # (500 guards' streams were 500 visibility checks per storm event).
        self._by_site: dict[str, set[Subscription]] = {}
        self._any_site: set[Subscription] = set()
        self._lock = threading.Lock()
        self._own_alarms: dict[str, float] = {}  # alarm id -> when this instance published it, oldest first
        self.sessions_generation = 0
        """Bumped whenever a token is revoked or an account changes here: open streams recheck their session."""

    def published_lately(self, alarm_id: str) -> bool:
        """Whether this instance's bridge announced the alarm within OWN_ALARM_S; answers True once per announcement,
        so the change row of that very commit is skipped but a later one (a guard's acknowledgement) is not."""
        with self._lock:
            at = self._own_alarms.pop(alarm_id, None)
        return at is not None and time.monotonic() - at < OWN_ALARM_S

    def subscribe(self, visible: Visible = lambda event: True, sites: frozenset[str] | None = None) -> Subscription:
        """`sites`: the sites outside which `visible` never says yes (None: it may for any site)."""
        subscription = Subscription(visible, sites)
        with self._lock:
            self._subscribers.add(subscription)
            self._index(subscription)
        return subscription

    def rescope(self, subscription: Subscription, visible: Visible, sites: frozenset[str] | None) -> None:
        """The stream's user changed (sites, role): it is asked by its new scope from now on."""
        with self._lock:
            self._unindex(subscription)
            subscription.visible, subscription.sites = visible, sites
            if subscription in self._subscribers:
                self._index(subscription)

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscribers.discard(subscription)
            self._unindex(subscription)

    def _index(self, subscription: Subscription) -> None:
        if subscription.sites is None:
            self._any_site.add(subscription)
        for site in subscription.sites or ():
            self._by_site.setdefault(site, set()).add(subscription)

    def _unindex(self, subscription: Subscription) -> None:
        self._any_site.discard(subscription)
        for site in subscription.sites or ():
            streams = self._by_site.get(site)
            if streams is not None:
                streams.discard(subscription)
                if not streams:
                    del self._by_site[site]

    def _candidates(self, site_id: str | None) -> list[Subscription]:
        """Under the lock: the streams that may see an event of `site_id` (an unplaced one: every stream decides)."""
        if site_id is None:
            return list(self._subscribers)
        return [*self._any_site, *self._by_site.get(site_id, ())]

    def sessions_changed(self) -> None:
        self.sessions_generation += 1

    def publish(self, event: dict[str, Any], own: bool = True) -> None:
        """Announce `event`; `own=False` for what the change log brought (never counted as this instance's own)."""
        self.publish_many([event], own)

    def publish_alarms(self, alarm_ids: Iterable[str], own: bool = True) -> None:
        """Announce changed alarms with their sites: one read for them all, whatever the number of streams."""
        self.publish_many([{"type": "alarm", "id": alarm_id} for alarm_id in alarm_ids], own)

    def publish_many(self, events: list[dict[str, Any]], own: bool = True) -> None:
        """Each stream is handed, in one call on its loop, the events its user may see; scopes are filled in first.
        `own=False` for what the change log brought: never counted as this instance's own announcement."""
        if not events:
            return
        events = self._scoped(events)
        with self._lock:
            if own:
                self._note_own(events)
            candidates = [(event, self._candidates(event.get("site_id"))) for event in events]
        # Each stream's events in publish order; only the streams of an event's site are asked about it.
        mine: dict[Subscription, list[dict[str, Any]]] = {}
        for event, streams in candidates:
            for subscription in streams:
                if _safely(subscription.visible, event):
                    mine.setdefault(subscription, []).append(event)
        # One wake-up per event loop, however many streams it serves (500 streams were 500 self-pipe writes per event).
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Subscription, list[dict[str, Any]]]]] = {}
        for subscription, its_events in mine.items():
            by_loop.setdefault(subscription.loop, []).append((subscription, its_events))
        for loop, deliveries in by_loop.items():
            try:
                loop.call_soon_threadsafe(_offer_all, deliveries)
            except RuntimeError:  # that loop is closed: its connections are gone
                for subscription, _ in deliveries:
                    self.unsubscribe(subscription)

    def _note_own(self, events: list[dict[str, Any]]) -> None:
        """Under the lock: remember the alarms this instance announced, newest last, forgetting what left the window."""
        now = time.monotonic()
        for event in events:
            if event["type"] == "alarm":
                self._own_alarms.pop(event["id"], None)  # moved to the end: the dict stays ordered by time
                self._own_alarms[event["id"]] = now
        while self._own_alarms:
            oldest = next(iter(self._own_alarms))
            if now - self._own_alarms[oldest] < OWN_ALARM_S:
                break
            del self._own_alarms[oldest]

    def _scoped(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Events with their scope fields, read in one transaction for those published without them."""
        alarms = [e["id"] for e in events if e["type"] == "alarm" and "site_id" not in e]
        orders = [e["id"] for e in events if e["type"] == "work_order" and "site_id" not in e]
        shifts = [e["id"] for e in events if e["type"] == "shift" and "site_id" not in e]
        if self.store is None or not (alarms or orders or shifts):
            return events
        scopes = self.store.read(lambda tx: _scopes(tx, alarms, orders, shifts))
        return [{**e, **scopes.get((e["type"], str(e["id"])), {})} if "site_id" not in e else e for e in events]


def _offer_all(deliveries: list[tuple[Subscription, list[dict[str, Any]]]]) -> None:
    for subscription, events in deliveries:
        subscription.offer(events)


def _safely(visible: Visible, event: dict[str, Any]) -> bool:
    try:
        return visible(event)
    except (KeyError, TypeError):  # an event without its scope is shown to nobody rather than to everybody
        return False


def _scopes(tx: Tx, alarm_ids: list[str], order_ids: list[str], shift_ids: Iterable[str] = ()) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(alarm_ids), 500):
        chunk = alarm_ids[start:start + 500]
        for row in tx.query(f"SELECT id, site_id FROM alarms WHERE id IN ({','.join('?' for _ in chunk)})", chunk):
            found[("alarm", row["id"])] = {"site_id": row["site_id"]}
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start:start + 500]
        for row in tx.query(f"SELECT id, {', '.join(ORDER_SCOPE)} FROM work_orders WHERE id IN ({','.join('?' for _ in chunk)})", chunk):
            found[("work_order", row["id"])] = {k: row[k] for k in ORDER_SCOPE}
    # A shift's id is a number, kept as text in the change log and on events (as sync/objects/shift.py reads it).
    wanted = sorted({str(i) for i in shift_ids if str(i).isdigit()})
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        for row in tx.query(f"SELECT id, site_id FROM shifts WHERE id IN ({','.join('?' for _ in chunk)})", chunk):
            found[("shift", str(row["id"]))] = {"site_id": row["site_id"]}
    return found


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
        # Each object's scope comes with its change: one read per poll, none per stream.
        def read(tx: Tx) -> tuple[list[dict[str, Any]], dict[tuple[str, str], dict[str, Any]]]:
            rows = tx.query(
                f"SELECT c.version, c.type, c.obj_id, w.id AS order_id, {', '.join(f'w.{k} AS order_{k}' for k in ORDER_SCOPE)},"
                " a.id AS alarm_id, a.site_id AS alarm_site_id FROM changes c"
                " LEFT JOIN work_orders w ON c.type = 'work_order' AND w.id = c.obj_id"
                " LEFT JOIN alarms a ON c.type = 'alarm' AND a.id = c.obj_id"
                " WHERE c.version > ? ORDER BY c.version LIMIT ?", (self._seen, CHANGES_BATCH))
            # shifts.id is a number and changes.obj_id text: looked up by id here rather than joined (PostgreSQL
            # would not compare them), in the same read
            shifts = _scopes(tx, [], [], [r["obj_id"] for r in rows if r["type"] == "shift"])
            return rows, shifts

        rows, shifts = self.store.read(read)
        if not rows:
            return
        self._seen = rows[-1]["version"]
        # One event per object per poll, in change order; alarms this instance's bridge published already are skipped
        # (once), and objects gone since (a purged order) are announced to nobody.
        events = []
        for (kind, obj_id), row in {(r["type"], r["obj_id"]): r for r in rows if r["type"] in LIVE_TYPES}.items():
            if kind == "alarm":
                if row["alarm_id"] is None or self.feed.published_lately(obj_id):
                    continue
                events.append({"type": "alarm", "id": obj_id, "site_id": row["alarm_site_id"]})
            elif kind == "work_order":
                if row["order_id"] is not None:
                    events.append({"type": "work_order", "id": obj_id, **{k: row[f"order_{k}"] for k in ORDER_SCOPE}})
            elif (scope := shifts.get(("shift", obj_id))) is not None:
                events.append({"type": "shift", "id": obj_id, **scope})
        self.feed.publish_many(events, own=False)

    def _run(self) -> None:
        while not self._stop.wait(CHANGES_POLL_S):
            try:
                self.poll()
            except Exception:  # a failed read (disk, lock) must not end live updates for good
                log.exception("reading the change log for live updates failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
