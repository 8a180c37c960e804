"""Open streams are told only what their user may see, decided from the event's own scope: the feed has no
database to read here, so any per-stream lookup would fail these tests."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from server.alarm_queries import StreamScope, visible_event
from server.domain.actor import ROLES, Actor
from server.live import LiveFeed, Subscription

GUARD_NORTH = Actor(id="g1", name="Guard", role="guard", site_ids=frozenset({"north"}))
TECH_NORTH = Actor(id="t1", name="Tech", role="technician", site_ids=frozenset({"north"}))
BOSS_NORTH = Actor(id="s1", name="Boss", role="supervisor", site_ids=frozenset({"north"}))


def _in_a_loop_of_its_own(run):  # type: ignore[no-untyped-def]
    # On a thread of its own: a worker that ran browser tests before has Playwright's loop marked running on this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def _open(feed: LiveFeed, actor: Actor) -> Subscription:
    """As the stream route opens one: the scope decides, and the feed indexes the stream by the scope's sites."""
    scope = StreamScope(actor, feed.sessions_generation)
    return feed.subscribe(scope.visible, scope.sites)


def _drain(subscription: Subscription) -> list[str]:
    got = []
    while not subscription.queue.empty():
        got.append(subscription.queue.get_nowait()["id"])
    return got


def _order(order_id: str, **scope: object) -> dict:
    return {"type": "work_order", "id": order_id, "site_id": "north", "category": "repair", "assignee_id": None, "created_by": "d1", **scope}


def _received(actor: Actor, events: list[dict]) -> list[str]:
    async def run() -> list[str]:
        feed = LiveFeed()  # no store: scopes must come with the events
        subscription = _open(feed, actor)
        feed.publish_many(events)
        await asyncio.sleep(0)  # the feed hands events over with call_soon_threadsafe: one turn of the loop
        return _drain(subscription)

    return _in_a_loop_of_its_own(run)


def test_a_guard_hears_of_their_sites_alarms_and_emergencies_only():
    events = [{"type": "alarm", "id": "a-north", "site_id": "north"}, {"type": "alarm", "id": "a-south", "site_id": "south"},
              {"type": "alarm", "id": "a-unplaced", "site_id": None},
              _order("wo-emergency", category="emergency"), _order("wo-repair"), _order("wo-south", site_id="south", category="emergency")]
    assert _received(GUARD_NORTH, events) == ["a-north", "wo-emergency"]


def test_a_technician_hears_of_their_own_jobs_not_the_sites_alarms():
    events = [{"type": "alarm", "id": "a-north", "site_id": "north"}, _order("wo-mine", assignee_id="t1"), _order("wo-other", assignee_id="t2"),
              _order("wo-found", created_by="t1")]
    assert _received(TECH_NORTH, events) == ["wo-mine", "wo-found"]


def test_a_supervisor_places_unplaced_alarms_and_sees_the_sites_orders():
    events = [{"type": "alarm", "id": "a-unplaced", "site_id": None}, _order("wo-repair"), _order("wo-south", site_id="south")]
    assert _received(BOSS_NORTH, events) == ["a-unplaced", "wo-repair"]


def test_an_event_published_without_its_scope_reaches_nobody_rather_than_everybody():
    assert _received(BOSS_NORTH, [{"type": "work_order", "id": "wo-bare"}]) == []


def test_the_feeds_site_index_hands_every_stream_exactly_what_its_user_may_see():
    """The feed asks only the streams of an event's site (and those of every site); for every role and site list
    that must change nothing: each stream gets exactly the events visible_event accepts, in publish order."""
    site_lists = [frozenset(), frozenset({"north"}), frozenset({"south"}), frozenset({"north", "south"})]
    actors = [Actor(id=f"{role}-{i}", name=role, role=role, site_ids=sites) for role in ROLES for i, sites in enumerate(site_lists)]
    events = []
    for site in ("north", "south", "east", None):
        events.append({"type": "alarm", "id": f"alarm-{site}", "site_id": site})
        if site is not None:
            events.append({"type": "shift", "id": f"shift-{site}", "site_id": site})
            for category in ("repair", "emergency"):
                for actor in actors:  # assigned to, or reported by, everybody in turn, of this site or not
                    events.append(_order(f"wo-{site}-{category}-to-{actor.id}", site_id=site, category=category, assignee_id=actor.id))
                    events.append(_order(f"wo-{site}-{category}-by-{actor.id}", site_id=site, category=category, created_by=actor.id))

    async def run() -> list[list[str]]:
        feed = LiveFeed()
        subscriptions = [_open(feed, actor) for actor in actors]
        for start in range(0, len(events), 7):  # several publishes, as the bridge and the change log make them
            feed.publish_many(events[start:start + 7])
        await asyncio.sleep(0)
        return [_drain(s) for s in subscriptions]

    for actor, got in zip(actors, _in_a_loop_of_its_own(run)):
        assert got == [e["id"] for e in events if visible_event(actor, e)], actor


def test_a_stream_whose_user_changes_sites_is_asked_by_the_new_ones():
    async def run() -> tuple[list[str], list[str]]:
        feed = LiveFeed()
        subscription = _open(feed, GUARD_NORTH)
        feed.publish_many([{"type": "alarm", "id": "a-north", "site_id": "north"}, {"type": "alarm", "id": "a-south", "site_id": "south"}])
        await asyncio.sleep(0)
        before = _drain(subscription)
        moved = StreamScope(Actor(id="g1", name="Guard", role="guard", site_ids=frozenset({"south"})), feed.sessions_generation)
        feed.rescope(subscription, moved.visible, moved.sites)
        feed.publish_many([{"type": "alarm", "id": "a-north-2", "site_id": "north"}, {"type": "alarm", "id": "a-south-2", "site_id": "south"}])
        await asyncio.sleep(0)
        after = _drain(subscription)
        feed.unsubscribe(subscription)
        feed.publish_many([{"type": "alarm", "id": "a-south-3", "site_id": "south"}])
        await asyncio.sleep(0)
        assert _drain(subscription) == []  # gone from the index too
        return before, after

    assert _in_a_loop_of_its_own(run) == (["a-north"], ["a-south-2"])


def test_a_scope_is_stale_once_sessions_change():
    feed = LiveFeed()
    scope = StreamScope(GUARD_NORTH, feed.sessions_generation)
    assert not scope.stale(feed.sessions_generation)
    feed.sessions_changed()
    assert scope.stale(feed.sessions_generation)


def test_a_shift_is_heard_of_by_its_sites_guards_and_office_not_by_technicians():
    events = [{"type": "shift", "id": "1", "site_id": "north"}, {"type": "shift", "id": "2", "site_id": "south"}]
    assert _received(GUARD_NORTH, events) == ["1"]
    assert _received(BOSS_NORTH, events) == ["1"]
    assert _received(TECH_NORTH, events) == []


def _heard(feed: LiveFeed, actors: list[Actor], act) -> list[list[tuple[str, str]]]:
    """What streams opened for `actors` are handed while `act()` runs (on this thread, as the poll thread would)."""
    async def run() -> list[list[tuple[str, str]]]:
        subscriptions = [_open(feed, actor) for actor in actors]
        act()
        await asyncio.sleep(0)
        heard = []
        for subscription in subscriptions:
            got = []
            while not subscription.queue.empty():
                event = subscription.queue.get_nowait()
                got.append((event["type"], event["id"]))
            heard.append(got)
            feed.unsubscribe(subscription)
        return heard

    return _in_a_loop_of_its_own(run)


def test_the_change_log_brings_shifts_and_alarms_with_their_scope_and_skips_the_bridges_own_alarm_once(tmp_path):
    from server.domain.changes import touch
    from server.live import WorkOrderChanges
    from tests.backend import open_store
    from tests.world import build_world

    users = build_world(str(tmp_path / "fieldops.db")).users
    store = open_store(str(tmp_path / "fieldops.db"))
    try:
        feed = LiveFeed(store)
        changes = WorkOrderChanges(store, feed)  # not started: polled by hand
        guard = Actor(id=users["guard"], name="Guard", role="guard", site_ids=frozenset({"north"}))
        tech = Actor(id=users["tech"], name="Tech", role="technician", site_ids=frozenset({"north"}))

        def write(tx):  # type: ignore[no-untyped-def]
            ids = []
            for site in ("north", "south"):
                ids.append(str(tx.insert("shifts", {"user_id": users["guard"], "site_id": site, "started_at": "2026-11-30T10:00:00Z"},
                                         returning="id")))
                touch(tx, "shift", ids[-1])
            tx.insert("alarms", {"id": "a-1", "site_id": "north", "device_id": "d1", "source": "native", "kind": "fire", "state": "active",
                                 "first_seen": "2026-11-30T10:00:00Z", "last_seen": "2026-11-30T10:00:00Z"})
            touch(tx, "alarm", "a-1")
            return ids

        north_shift, _ = store.write(write)
        # the bridge announces its own alarm after commit; the poll then finds the same commit in the change log
        assert _heard(feed, [guard, tech], lambda: (feed.publish_alarms(["a-1"]), changes.poll())) == [
            [("alarm", "a-1"), ("shift", north_shift)], []]
        # a later change of the same alarm (an acknowledgement) is not the bridge's: it is announced
        store.write(lambda tx: touch(tx, "alarm", "a-1"))
        assert _heard(feed, [guard, tech], changes.poll) == [[("alarm", "a-1")], []]
    finally:
        store.close()
