"""Open streams are told only what their user may see, decided from the event's own scope: the feed has no
database to read here, so any per-stream lookup would fail these tests."""

from __future__ import annotations

import asyncio

from server.alarm_queries import StreamScope
from server.domain.actor import Actor
from server.live import LiveFeed

GUARD_NORTH = Actor(id="g1", name="Guard", role="guard", site_ids=frozenset({"north"}))
TECH_NORTH = Actor(id="t1", name="Tech", role="technician", site_ids=frozenset({"north"}))
BOSS_NORTH = Actor(id="s1", name="Boss", role="supervisor", site_ids=frozenset({"north"}))


def _order(order_id: str, **scope: object) -> dict:
    return {"type": "work_order", "id": order_id, "site_id": "north", "category": "repair", "assignee_id": None, "created_by": "d1", **scope}


def _received(actor: Actor, events: list[dict]) -> list[str]:
    async def run() -> list[str]:
        feed = LiveFeed()  # no store: scopes must come with the events
        subscription = feed.subscribe(StreamScope(actor, feed.sessions_generation).visible)
        feed.publish_many(events)
        await asyncio.sleep(0)  # the feed hands events over with call_soon_threadsafe: one turn of the loop
        got = []
        while not subscription.queue.empty():
            got.append(subscription.queue.get_nowait()["id"])
        return got

    return asyncio.run(run())


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


def test_a_scope_is_stale_once_sessions_change():
    feed = LiveFeed()
    scope = StreamScope(GUARD_NORTH, feed.sessions_generation)
    assert not scope.stale(feed.sessions_generation)
    feed.sessions_changed()
    assert scope.stale(feed.sessions_generation)
