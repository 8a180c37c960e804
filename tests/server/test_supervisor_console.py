"""The supervisor's console over real HTTP: the escalation queue (alarms past their escalation time,
serious complaints, harm ongoing, overdue work and call-backs) and the overdue-work list, each scoped
to the supervisor's sites; the device registry kept by the site's supervisors and admins."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest

from server.clock import now
from tests.live_server import new_order_args
from tests.reports.history import History
from tests.sensor_fixtures import wait_for


@pytest.fixture(scope="module")
def history(world_dir: Path, world) -> Iterator[History]:  # noqa: ANN001  (world: built before we write)
    writer = History(str(world_dir / "fieldops.db"))
    yield writer
    writer.close()


@pytest.fixture(scope="module")
def south_boss(live, as_user):
    """A supervisor of the other site, made the way an admin makes one."""
    r = as_user("root").post("/api/v1/accounts", json={"username": "boss_south", "password": "south-pass-123", "role": "supervisor",
                                                        "site_ids": ["south"], "name": "South Boss"})
    assert r.status_code == 201, r.text
    return live.login("boss_south", "south-pass-123")


def queue(client, **params) -> dict:
    r = client.get("/api/v1/escalations/queue", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_an_important_complaint_is_on_its_sites_supervisors_queue_until_taken_up(as_user, south_boss):
    disp, boss = as_user("disp"), as_user("boss")
    complaint = disp.ok("create_work_order", **new_order_args("north", category="complaint", complaint_level="important", title="Noise at night"))
    items = [i for i in queue(boss)["items"] if i["work_order"] and i["work_order"]["id"] == complaint["id"]]
    assert [(i["kind"], i["waits_for"], i["site_id"]) for i in items] == [("complaint_received", "take_up", "north")]
    assert items[0]["work_order"]["title"] == "Noise at night" and "reporter" not in items[0]["work_order"]
    # the other site's supervisor never sees it, not even by asking for the site
    assert all(i["site_id"] == "south" for i in queue(south_boss)["items"])
    r = south_boss.get("/api/v1/escalations/queue", params={"site_id": "north"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "site_not_found"

    disp.ok("dispatch", work_order_id=complaint["id"], technician_id=as_user("tech").user["id"])
    assert not [i for i in queue(boss)["items"] if i["work_order"] and i["work_order"]["id"] == complaint["id"]]


def test_the_queue_is_newest_due_first_and_says_when_the_next_item_falls_due(as_user, history):
    boss = as_user("boss")
    old = history.order(now() - timedelta(days=12))  # a repair past its resolve deadline (3 working days)
    fresh = as_user("disp").ok("create_work_order", **new_order_args("north", category="complaint", complaint_level="major"))
    body = queue(boss, site_id="north")
    ids = [i["work_order"]["id"] for i in body["items"] if i["work_order"]]
    assert ids.index(fresh["id"]) < ids.index(old)
    overdue = next(i for i in body["items"] if i["work_order"] and i["work_order"]["id"] == old)
    assert (overdue["kind"], overdue["waits_for"]) == ("resolve_overdue", "complete")
    resolve = next(step for step in boss.order(old)["sla"] if step["step"] == "resolve")
    assert overdue["late_s"] > 86_400 and overdue["due_at"] == resolve["due_at"]  # the same deadline the order shows
    # the major complaint must be taken up the same day: that deadline is still ahead
    assert body["next_due_at"] is not None and body["next_due_at"] > body["server_time"]
    dues = [i["due_at"] for i in body["items"]]
    assert dues == sorted(dues, reverse=True)


def test_harm_still_going_on_is_on_the_queue_at_once(as_user):
    disp, boss = as_user("disp"), as_user("boss")
    order = disp.ok("create_work_order", **new_order_args("north", title="Water through the ceiling"))
    disp.ok("set_harm_ongoing", work_order_id=order["id"], ongoing=True)
    [item] = [i for i in queue(boss)["items"] if i["work_order"] and i["work_order"]["id"] == order["id"]]
    assert (item["kind"], item["waits_for"]) == ("harm_ongoing", "stop_harm")


def test_overdue_work_names_the_late_step_and_how_late(as_user, history, south_boss):
    late = history.order(now() - timedelta(hours=1))  # never dispatched: the 2-minute dispatch target is an hour gone
    rows = as_user("boss").get("/api/v1/escalations/overdue-work").json()
    mine = [r for r in rows if r["work_order"]["id"] == late]
    assert [r["step"] for r in mine] == ["dispatch"]
    assert 3_400 < mine[0]["late_s"] < 3_600 and mine[0]["site_id"] == "north"
    assert all(r["late_s"] >= rows[-1]["late_s"] for r in rows)  # latest first
    assert south_boss.get("/api/v1/escalations/overdue-work").json() == []


@pytest.mark.parametrize("username", ["disp", "tech", "guard"])
def test_only_supervisors_and_admins_read_the_queue(as_user, username):
    for path in ("/api/v1/escalations/queue", "/api/v1/escalations/overdue-work"):
        r = as_user(username).get(path)
        assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed", (path, r.text)
    assert as_user("root").get("/api/v1/escalations/queue").status_code == 200


def test_an_alarm_joins_the_queue_once_past_its_escalation_time_and_leaves_it_when_acknowledged(alarm_server, publisher):
    server = alarm_server(FIELDOPS_ESCALATE_AFTER_S="1")
    boss = server.login("boss")
    publisher.publish("fieldops/north/leak-q/event", json.dumps({"kind": "water_leak", "active": True, "zone": "B1"}))
    alarm = wait_for(lambda: boss.get("/api/v1/alarms").json(), what="the alarm")[0]
    item = wait_for(lambda: [i for i in queue(boss)["items"] if i["alarm"] and i["alarm"]["id"] == alarm["id"]], what="on the queue")[0]
    assert (item["kind"], item["waits_for"], item["alarm"]["zone"]) == ("alarm_unacknowledged", "ack", "B1")
    assert item["due_at"] >= alarm["first_seen"] and item["alarm"]["work_order_id"] == alarm["work_order_id"]
    boss.ok("ack_alarm", alarm_id=alarm["id"])
    assert not [i for i in queue(boss)["items"] if i["alarm"]]


def test_a_supervisor_keeps_the_device_registry_of_their_site(as_user, south_boss):
    boss = as_user("boss")
    r = boss.post("/api/v1/devices", json={"id": "leak-reg-1", "site_id": "north", "zone": "B2", "kind": "water_leak", "source": "native"})
    assert r.status_code == 201, r.text
    [listed] = [d for d in boss.get("/api/v1/devices").json() if d["id"] == "leak-reg-1"]
    assert (listed["zone"], listed["last_seen"], listed["battery"], listed["online"]) == ("B2", None, None, None)

    moved = boss.ok("update_device", device_id="leak-reg-1", zone="B3 pump room", kind="smoke")
    assert (moved["zone"], moved["kind"], moved["site_id"]) == ("B3 pump room", "smoke", "north")
    assert boss.mutate("update_device", device_id="leak-reg-1").json()["error"]["code"] == "nothing_to_change"
    assert boss.mutate("update_device", device_id="leak-reg-1", kind="toaster").status_code == 422
    # another site's supervisor may not know it exists; other roles may not touch devices
    r = south_boss.mutate("update_device", device_id="leak-reg-1", zone="mine now")
    assert r.status_code == 404 and r.json()["error"]["code"] == "device_not_found"
    assert south_boss.mutate("retire_device", device_id="leak-reg-1").status_code == 404
    assert as_user("disp").mutate("retire_device", device_id="leak-reg-1").status_code == 403
    assert as_user("tech").mutate("update_device", device_id="leak-reg-1", zone="x").status_code == 403
    assert "leak-reg-1" not in [d["id"] for d in south_boss.get("/api/v1/devices").json()]

    retired = boss.ok("retire_device", device_id="leak-reg-1")
    assert retired["retired"] is True and retired["retired_by"] == boss.user["id"]
    assert "leak-reg-1" not in [d["id"] for d in boss.get("/api/v1/devices").json()]
    assert boss.mutate("retire_device", device_id="leak-reg-1").status_code == 404
    # the same id can be registered again later, and an admin may edit any site's device
    assert boss.post("/api/v1/devices", json={"id": "leak-reg-1", "site_id": "north", "zone": "B2", "kind": "water_leak", "source": "native"}).status_code == 201
    assert as_user("root").ok("update_device", device_id="leak-reg-1", zone="B2 east")["zone"] == "B2 east"


def test_the_registry_shows_when_a_device_was_last_heard_and_its_battery(alarm_server, publisher):
    server = alarm_server()
    boss = server.login("boss")
    assert boss.post("/api/v1/devices", json={"id": "aqara-9", "site_id": "north", "zone": "3F", "kind": "water_leak",
                                             "source": "zigbee2mqtt", "name": "north/3f/leak9"}).status_code == 201
    assert boss.post("/api/v1/devices", json={"id": "leak1", "site_id": "north", "zone": "B1", "kind": "water_leak", "source": "native"}).status_code == 201
    # south's own `leak1` (ids repeat across sites) says nothing about north's; sent first, handled first
    publisher.publish("fieldops/south/leak1/event", json.dumps({"kind": "heartbeat", "active": True, "battery": 12}))
    publisher.publish("zigbee2mqtt/north/3f/leak9", json.dumps({"battery": 67, "battery_low": False, "water_leak": False}))
    publisher.publish("fieldops/north/leak1/event", json.dumps({"kind": "heartbeat", "active": True, "battery": 91}))
    heard = lambda: {d["id"]: d for d in boss.get("/api/v1/devices").json() if d["last_seen"]}  # noqa: E731
    devices = wait_for(lambda: (lambda found: found if len(found) == 2 else None)(heard()), what="both heard")
    assert (devices["aqara-9"]["battery"], devices["aqara-9"]["online"]) == (67, True)
    assert devices["leak1"]["battery"] == 91
    assert len(boss.get("/api/v1/devices").json()) == 2


def test_a_fired_escalation_is_announced_on_the_event_stream_so_open_queues_look_again(start_server):
    server = start_server(env={"FIELDOPS_ESCALATION_POLL_S": "0.3"})
    boss, disp = server.login("boss"), server.login("disp")
    with boss.stream("GET", "/api/v1/events/stream", timeout=20) as stream:
        lines = stream.iter_lines()
        assert next(lines) == "event: hello"
        complaint = disp.ok("create_work_order", **new_order_args("north", category="complaint", complaint_level="major"))
        seen, deadline = [], time.monotonic() + 10  # the stream's keep-alive comes every 15 s, so this is checked
        for line in lines:
            seen.append(line)
            if line.startswith("data:") and complaint["id"] in line:
                break
            assert time.monotonic() < deadline, f"no work_order event for the escalation: {seen}"
    assert "event: work_order" in seen and json.loads(seen[-1][5:]) == {"type": "work_order", "id": complaint["id"]}
