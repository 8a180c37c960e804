"""Alarm rules on a real SQLite file: one alarm per device and kind while active, incidents joined,
chattering sensors kept to one alarm, maintenance kinds without pushes, silent and offline devices."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


from server.domain.alarms.events import SensorEvent
from server.domain.alarms.rules import apply_events, forget_old_messages, silent_devices

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)


def event(device="leak-1", kind="water_leak", active=True, site="north", n=0, source="native", zone="B2"):
    return SensorEvent(source=source, device=device, kind=kind, active=active, message_id=f"native:{device}:seq:{n}-{kind}-{active}", site_id=site, zone=zone, seq=n)


def feed(store, at, *events):
    return store.write(lambda tx: apply_events(tx, list(events), at, 60))


def alarms(store):
    return store.read(lambda tx: tx.query("SELECT * FROM alarms ORDER BY first_seen, id"))


def orders(store, **where):
    clause = " AND ".join(f"{k} = ?" for k in where) or "1 = 1"
    return store.read(lambda tx: tx.query(f"SELECT * FROM work_orders WHERE {clause}", list(where.values())))


def test_a_leak_opens_one_emergency_order_and_owes_one_push(store):
    outcome = feed(store, T0, event())
    [alarm] = alarms(store)
    [order] = orders(store, category="emergency")
    assert alarm["work_order_id"] == order["id"] and order["priority"] == "emergency" and order["unit"] == "B2"
    assert len(outcome.outbox_ids) == 1 and alarm["escalate_at"] == "2026-11-23T03:01:00.000000Z"


def test_a_redelivered_message_is_skipped_and_a_repeat_only_counts(store):
    feed(store, T0, event(n=1))
    assert feed(store, T0, event(n=1)).duplicate
    outcome = feed(store, T0 + timedelta(seconds=5), event(n=2))
    [alarm] = alarms(store)
    assert alarm["count"] == 2 and outcome.outbox_ids == [] and len(orders(store, category="emergency")) == 1


def test_alarms_of_one_site_within_ten_minutes_join_one_incident(store):
    for n in range(15):
        feed(store, T0 + timedelta(seconds=20 * n), event(device=f"leak-{n}", n=n))
    feed(store, T0 + timedelta(minutes=30), event(device="leak-late", n=99))
    early = {a["work_order_id"] for a in alarms(store) if a["device_id"] != "leak-late"}
    late = {a["work_order_id"] for a in alarms(store) if a["device_id"] == "leak-late"}
    assert len(early) == 1 and len(late) == 1 and early != late


def test_a_chattering_sensor_stays_one_alarm_and_is_marked(store):
    pushes = 0
    for n in range(6):
        pushes += len(feed(store, T0 + timedelta(seconds=5 * n), event(active=n % 2 == 0, n=n)).outbox_ids)
    [alarm] = alarms(store)
    assert alarm["chattering"] == 1 and pushes == 1 and alarm["count"] >= 2


def test_restore_clears_the_alarm_but_never_the_ticket(store):
    feed(store, T0, event(n=1))
    feed(store, T0 + timedelta(minutes=5), event(active=False, n=2))
    [alarm] = alarms(store)
    assert alarm["state"] == "cleared" and orders(store, id=alarm["work_order_id"])[0]["status"] == "new"


def test_tamper_and_low_battery_open_a_maintenance_order_without_a_push(store):
    outcome = feed(store, T0, event(kind="tamper"), event(device="leak-2", kind="low_battery"))
    assert outcome.outbox_ids == []
    assert {o["category"] for o in orders(store)} == {"repair"} and len(orders(store)) == 2
    assert all(a["escalate_at"] is None for a in alarms(store))


def test_an_offline_last_will_is_a_maintenance_order_and_online_clears_it(store):
    will = SensorEvent(source="native", device="leak-1", kind="availability", active=False, message_id="native:x:1", site_id="north")
    feed(store, T0, will)
    [alarm] = alarms(store)
    assert alarm["kind"] == "offline" and alarm["state"] == "active"
    back = SensorEvent(source="native", device="leak-1", kind="availability", active=True, message_id="native:x:2", site_id="north")
    feed(store, T0 + timedelta(minutes=1), back)
    assert alarms(store)[0]["state"] == "cleared"


def test_a_device_silent_too_long_gets_one_maintenance_order(store):
    feed(store, T0, event(kind="heartbeat"))
    later = T0 + timedelta(hours=7)
    store.write(lambda tx: silent_devices(tx, later, 6 * 3600, 60))
    store.write(lambda tx: silent_devices(tx, later + timedelta(hours=1), 6 * 3600, 60))
    [alarm] = alarms(store)
    assert alarm["kind"] == "silent" and len(orders(store, category="repair")) == 1
    feed(store, later + timedelta(hours=2), event(kind="heartbeat", n=5))
    assert alarms(store)[0]["state"] == "cleared"


def test_an_unknown_site_in_the_topic_leaves_the_alarm_for_supervisors_to_place(store):
    outcome = feed(store, T0, event(site="atlantis"))
    [alarm] = alarms(store)
    assert alarm["site_id"] is None and alarm["work_order_id"] is None and len(outcome.outbox_ids) == 1
    row = store.read(lambda tx: tx.one("SELECT audience FROM push_outbox"))
    assert row["audience"] == "supervisors"


def test_message_identities_are_forgotten_once_no_redelivery_can_match_them(store):
    feed(store, T0, event(n=1))
    assert store.write(lambda tx: forget_old_messages(tx, T0 + timedelta(days=1))) == 0
    assert feed(store, T0 + timedelta(days=1), event(n=1)).duplicate
    assert store.write(lambda tx: forget_old_messages(tx, T0 + timedelta(days=3))) == 1


def test_the_same_device_id_at_two_sites_raises_two_alarms_and_a_restore_clears_only_its_own(store):
    feed(store, T0, event(device="leak1", site="north", n=1))
    feed(store, T0 + timedelta(seconds=5), event(device="leak1", site="south", n=2))
    feed(store, T0 + timedelta(seconds=10), event(device="leak1", site="south", active=False, n=3))
    by_site = {a["site_id"]: a for a in alarms(store)}
    assert set(by_site) == {"north", "south"}
    assert by_site["north"]["state"] == "active" and by_site["north"]["count"] == 1
    assert by_site["south"]["state"] == "cleared"
    assert by_site["north"]["work_order_id"] != by_site["south"]["work_order_id"]
    audiences = store.read(lambda tx: tx.query("SELECT site_id FROM push_outbox ORDER BY id"))
    assert [r["site_id"] for r in audiences] == ["north", "south"]  # each site's guards are told of their own leak


def test_a_registration_at_another_site_never_pulls_a_native_sensor_away_from_its_topic_site(store):
    from server.domain.directory import DeviceCreate, add_device

    store.write(lambda tx: add_device(tx, DeviceCreate(id="leak1", site_id="south", zone="south attic", kind="water_leak", source="native")))
    feed(store, T0, event(device="leak1", site="north", n=1))
    [alarm] = alarms(store)
    assert alarm["site_id"] == "north" and alarm["zone"] == "B2"


def test_a_fire_never_joins_a_water_leak_ticket_but_smoke_joins_the_fire(store):
    feed(store, T0, event(device="leak-1", kind="water_leak", n=1))
    feed(store, T0 + timedelta(seconds=30), event(device="panel-1", kind="fire", n=2))
    feed(store, T0 + timedelta(seconds=40), event(device="smoke-1", kind="smoke", n=3))
    feed(store, T0 + timedelta(seconds=50), event(device="gas-1", kind="gas", n=4))
    feed(store, T0 + timedelta(seconds=60), event(device="co-1", kind="carbon_monoxide", n=5))
    ticket = {a["kind"]: a["work_order_id"] for a in alarms(store)}
    assert ticket["fire"] == ticket["smoke"]
    assert len({ticket["water_leak"], ticket["fire"], ticket["gas"], ticket["carbon_monoxide"]}) == 4


def test_gas_and_carbon_monoxide_are_emergencies_pushed_to_the_guards_and_escalated(store):
    outcome = feed(store, T0, event(device="gas-1", kind="gas", n=1), event(device="co-1", kind="carbon_monoxide", n=2))
    assert len(outcome.outbox_ids) == 2
    assert all(a["escalate_at"] is not None for a in alarms(store))
    assert {o["category"] for o in orders(store)} == {"emergency"}
