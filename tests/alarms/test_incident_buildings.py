"""Incidents by building: where both sensors' zones name a building, a leak joins only its own building's
incident (issue 12); zones that name none join on the site alone, as before. Real SQLite file, alarm rules direct."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


from server.domain.alarms.events import SensorEvent
from server.domain.alarms.rules import apply_events

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def leak(device: str, zone: str, minutes: int, store) -> str:
    event = SensorEvent(source="native", device=device, kind="water_leak", active=True, message_id=f"native:{device}:seq:1",
                        site_id="north", zone=zone, seq=1)
    store.write(lambda tx: apply_events(tx, [event], T0 + timedelta(minutes=minutes), 60))
    return store.read(lambda tx: tx.one("SELECT work_order_id FROM alarms WHERE device_id = ?", (device,)))["work_order_id"]


def test_leaks_in_two_buildings_of_one_site_open_two_tickets(store):
    assert leak("leak-1", "1号楼 B2 泵房", 0, store) != leak("leak-3", "3号楼 地下车库", 2, store)


def test_two_leaks_in_one_building_within_the_window_share_one_ticket(store):
    assert leak("riser-5", "2栋 水井 5F", 0, store) == leak("riser-6", "2栋 水井 6F", 3, store)


def test_a_zone_naming_no_building_joins_on_the_site_alone(store):
    assert leak("leak-b2", "B2 pump room", 0, store) == leak("leak-3", "3号楼 B1", 1, store)
