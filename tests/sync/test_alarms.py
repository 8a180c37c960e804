"""Alarms through sync: a sensor alarm reaches the guards' and office's pulls (not technicians'), and a
guard's offline acknowledgement lands through push.
"""

from __future__ import annotations

from server.clock import now
from server.domain.alarms.events import SensorEvent
from server.domain.alarms.rules import apply_events
from tests.backend import open_store
from tests.live_server import unique
from tests.sync.device import Device


def raise_leak(world_dir, zone: str = "B2 plant room") -> str:
    """The bridge's own rule path, run against the server's database as a second writer."""
    store = open_store(str(world_dir / "fieldops.db"))
    try:
        event = SensorEvent(source="native", device=unique("leak"), kind="water_leak", active=True,
                            message_id=unique("msg"), site_id="north", zone=zone)
        outcome = store.write(lambda tx: apply_events(tx, [event], now(), 60.0))
    finally:
        store.close()
    return outcome.alarm_ids[0]


def test_an_alarm_reaches_the_guard_and_office_pulls_but_not_technicians(as_user, world, world_dir):
    guard, office, tech, south = (Device(as_user(u)) for u in ("guard", "disp", "tech", "disp_south"))
    for d in (guard, office, tech, south):
        d.pull()
    alarm = raise_leak(world_dir)
    put = next(op for op in guard.pull()["patch"] if op["type"] == "alarm")
    assert put["id"] == alarm and put["value"]["state"] == "active" and put["value"]["kind"] == "water_leak"
    contract = {"id", "site_id", "device_id", "kind", "zone", "state", "acked_by", "acked_at", "first_seen", "last_seen", "count", "work_order_id"}
    assert contract <= set(put["value"]) and put["value"]["site_id"] == "north" and put["value"]["zone"] == "B2 plant room"
    ticket = put["value"]["work_order_id"]
    assert ("work_order", ticket) in guard.objects  # the emergency ticket comes with it
    office.pull()
    assert ("alarm", alarm) in office.objects
    assert not any(op["type"] == "alarm" for op in tech.pull()["patch"])
    assert not any(op["type"] == "alarm" for op in south.pull()["patch"])


def test_a_guard_acknowledges_an_alarm_offline_and_everyone_sees_it_after_sync(as_user, world, world_dir):
    alarm = raise_leak(world_dir, "B3 pump room")
    guard, office = Device(as_user("guard")), Device(as_user("boss"))
    guard.pull()
    office.pull()
    guard.do("ack_alarm", alarm_id=alarm)
    assert guard.sync_up() == 1
    assert guard.pull()["rejections"] == []
    acked = next(op for op in office.pull()["patch"] if op["type"] == "alarm" and op["id"] == alarm)
    assert acked["value"]["acked_by"] == world.users["guard"] and acked["value"]["acked_at"]
