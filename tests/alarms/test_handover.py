"""The handover at a change of shift (交接班), against a live server, a real Mosquitto and a real push
service: ending a shift records what is still open, the note and who takes over; the next guard confirms
it once; leaving unacknowledged alarms with nobody else on duty pushes the site's supervisors."""

from __future__ import annotations

import json

import pytest

from tests.monitoring_room import build_monitoring_room
from tests.sensor_fixtures import wait_for
from tests.sync.device import read_db


@pytest.fixture
def room_server(alarm_server, tmp_path):
    build_monitoring_room(tmp_path)  # alarm_server starts on tmp_path and keeps a database that is there
    return alarm_server


def subscribe(client, push_service) -> dict:
    sub = push_service.subscribe()
    assert client.post("/api/v1/push/subscriptions", json=sub).status_code == 201
    return sub


def smoke(publisher, device="smoke-3", zone="3F 走廊") -> None:
    publisher.publish(f"fieldops/north/{device}/event", json.dumps({"kind": "smoke", "active": True, "zone": zone}))


def test_ending_a_shift_writes_the_handover_and_the_next_guard_confirms_it_once(room_server, publisher):
    server = room_server()
    guard, guard_b = server.login("guard"), server.login("guard_b")
    guard.ok("start_shift", site_id="north")
    guard_b.ok("start_shift", site_id="north")
    smoke(publisher)
    alarm = wait_for(lambda: guard.get("/api/v1/alarms", params={"state": "active"}).json(), what="the smoke alarm")[0]

    ended = guard.ok("end_shift", site_id="north", handover_note="3F 烟感报警未确认，已通知B岗")
    assert ended["ended_at"] and ended["guard_id"] == guard.user["id"]
    handover = ended["handover"]
    assert handover["note"] == "3F 烟感报警未确认，已通知B岗"
    assert handover["open_alarm_ids"] == [alarm["id"]]
    assert handover["open_work_order_ids"] == [alarm["work_order_id"]]
    assert handover["taken_over_by"] == [guard_b.user["id"]]
    assert handover["unattended_alarm_ids"] == [] and handover["received_by"] is None
    # someone is still on duty: nothing owed to the supervisors beyond the alarm's own push to the guards
    assert read_db(server.data_dir, "SELECT count(*) FROM push_outbox WHERE audience = 'supervisors'") == [(0,)]

    shifts = guard_b.get("/api/v1/shifts", params={"site_id": "north"}).json()
    assert [s["guard_id"] for s in shifts] == [guard_b.user["id"], guard.user["id"]]  # newest first: B's is running
    assert shifts[0]["handover"] is None and shifts[1]["id"] == ended["id"]
    assert shifts[1]["handover"]["open_alarm_ids"] == [alarm["id"]] and shifts[1]["handover"]["note"] == handover["note"]

    received = guard_b.ok("receive_handover", shift_id=ended["id"])
    assert received["handover"]["received_by"] == guard_b.user["id"] and received["handover"]["received_at"] >= ended["ended_at"]
    again = guard_b.mutate("receive_handover", shift_id=ended["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "handover_received"
    listed = guard.get("/api/v1/shifts", params={"site_id": "north"}).json()
    assert [s["handover"]["received_by"] for s in listed if s["id"] == ended["id"]] == [guard_b.user["id"]]


def test_leaving_an_unacknowledged_alarm_with_nobody_on_duty_pushes_the_supervisors(room_server, publisher, push_service):
    server = room_server()  # escalation after the default 60 s: any supervisor push within the test is the handover's
    guard, boss = server.login("guard"), server.login("boss")
    guard.ok("start_shift", site_id="north")
    guard_sub, boss_sub = subscribe(guard, push_service), subscribe(boss, push_service)
    smoke(publisher)
    wait_for(lambda: push_service.received_by(guard_sub), what="the alarm pushed to the guard on duty")
    [alarm] = guard.get("/api/v1/alarms", params={"state": "active"}).json()
    assert not push_service.received_by(boss_sub)

    ended = guard.ok("end_shift", site_id="north")  # the app warned; the guard goes anyway
    assert ended["handover"]["unattended_alarm_ids"] == [alarm["id"]] and ended["handover"]["taken_over_by"] == []
    [pushed] = wait_for(lambda: push_service.received_by(boss_sub), what="the supervisor pushed")
    assert pushed.payload["alarm_id"] == alarm["id"] and pushed.payload["type"] == "alarm" and pushed.payload["site_id"] == "north"
    assert guard.get(f"/api/v1/alarms/{alarm['id']}").json()["escalated_at"]  # escalated: the 60 s timer will not push it again


def test_an_acknowledged_alarm_left_open_is_handed_over_without_waking_the_supervisors(room_server, publisher):
    server = room_server()
    guard = server.login("guard")
    guard.ok("start_shift", site_id="north")
    smoke(publisher)
    [alarm] = wait_for(lambda: guard.get("/api/v1/alarms", params={"state": "active"}).json(), what="the smoke alarm")
    guard.ok("ack_alarm", alarm_id=alarm["id"])
    ended = guard.ok("end_shift", site_id="north")
    assert ended["handover"]["open_alarm_ids"] == [alarm["id"]]  # still active: handed over
    assert ended["handover"]["unattended_alarm_ids"] == []
    assert read_db(server.data_dir, "SELECT count(*) FROM push_outbox WHERE audience = 'supervisors'") == [(0,)]


def test_a_resolved_alarm_stays_resolved_with_its_note_online_and_in_a_pull(room_server, publisher):
    server = room_server()
    guard = server.login("guard")
    guard.ok("start_shift", site_id="north")
    smoke(publisher)
    [alarm] = wait_for(lambda: guard.get("/api/v1/alarms", params={"state": "active"}).json(), what="the smoke alarm")
    guard.ok("resolve_alarm", alarm_id=alarm["id"], note="厨房油烟，已排风")
    shown = guard.get(f"/api/v1/alarms/{alarm['id']}").json()
    assert shown["resolution"] == "厨房油烟，已排风" and shown["resolved_by"] == guard.user["id"] and shown["resolved_at"]
    pulled = guard.post("/api/v1/sync/pull", json={"client_id": "phone-1", "cookie": None}).json()
    [value] = [p["value"] for p in pulled["patch"] if p["type"] == "alarm" and p["id"] == alarm["id"]]
    assert (value["resolution"], value["resolved_by"], value["resolved_at"]) == (shown["resolution"], shown["resolved_by"], shown["resolved_at"])
    ended = guard.ok("end_shift", site_id="north")
    assert ended["handover"]["open_alarm_ids"] == []  # dealt with: nothing to hand over
