"""Sites stay apart end to end (real broker, real server): a supervisor cannot take another site's sensors,
repeated device ids raise each site's own alarm, and gas leaks or unknown alarm keys are never dropped."""

from __future__ import annotations

import json

from tests.alarms.test_alarm_to_phone import active_alarms, leak, subscribe
from tests.sensor_fixtures import wait_for

SOUTH_LEAK = {"id": "south-leak", "site_id": "south", "zone": "South plant room", "kind": "water_leak",
              "source": "zigbee2mqtt", "name": "garden/b3/leak"}


def test_a_supervisor_cannot_take_over_another_sites_sensor_by_its_name_or_id(alarm_server, publisher, push_service):
    server = alarm_server()
    root, boss = server.login("root"), server.login("boss")  # boss supervises north only
    assert root.post("/api/v1/devices", json=SOUTH_LEAK).status_code == 201
    by_name = boss.post("/api/v1/devices", json={**SOUTH_LEAK, "id": "my-north-sensor", "site_id": "north", "zone": "north attic"})
    by_id = boss.post("/api/v1/devices", json={**SOUTH_LEAK, "site_id": "north", "name": "north/attic/leak"})
    assert (by_name.status_code, by_id.status_code) == (409, 409)
    assert by_name.json()["error"]["code"] == "device_registered_elsewhere"
    [device] = [d for d in root.get("/api/v1/devices").json() if d["name"] == "garden/b3/leak"]
    assert (device["id"], device["site_id"]) == ("south-leak", "south")
    publisher.publish("zigbee2mqtt/garden/b3/leak", json.dumps({"water_leak": True}))
    alarm = wait_for(lambda: active_alarms(root), what="south's leak raised")[0]
    assert (alarm["site_id"], alarm["zone"]) == ("south", "South plant room")
    assert active_alarms(boss) == []
    # an admin may still move a sensor between sites (a sensor carried to another building)
    assert root.post("/api/v1/devices", json={**SOUTH_LEAK, "site_id": "north", "zone": "north attic"}).status_code == 201


def test_the_same_device_id_at_two_sites_alarms_each_site_and_restores_only_its_own(alarm_server, publisher, push_service):
    server = alarm_server()
    guard, root = server.login("guard"), server.login("root")
    guard.ok("start_shift", site_id="north")
    sub = subscribe(guard, push_service)
    leak(publisher, site="south", device="leak1", seq=1)
    wait_for(lambda: active_alarms(root, site_id="south"), what="south alarm")
    leak(publisher, site="north", device="leak1", seq=1)
    north = wait_for(lambda: active_alarms(guard, site_id="north"), what="north alarm")[0]
    assert north["count"] == 1 and north["site_id"] == "north"
    assert wait_for(lambda: push_service.received_by(sub), what="north's guard pushed")[0].payload["site_id"] == "north"
    leak(publisher, site="north", device="leak1", active=False, seq=2)
    wait_for(lambda: not active_alarms(guard, site_id="north"), what="north restored")
    [south] = active_alarms(root, site_id="south")
    assert south["state"] == "active" and south["count"] == 1


def test_a_zigbee_gas_leak_is_an_emergency_and_an_unknown_alarm_key_is_a_dead_letter(alarm_server, publisher, push_service):
    server = alarm_server()
    root, guard = server.login("root"), server.login("guard")
    assert root.post("/api/v1/devices", json={"id": "gas-1", "site_id": "north", "zone": "B1 boiler room", "kind": "gas",
                                              "source": "zigbee2mqtt", "name": "north/b1/gas"}).status_code == 201
    guard.ok("start_shift", site_id="north")
    subscribe(guard, push_service)
    publisher.publish("zigbee2mqtt/north/b1/gas", json.dumps({"gas": True, "battery": 90}))
    [got] = push_service.wait_for(1)
    assert (got.payload["kind"], got.payload["zone"]) == ("gas", "B1 boiler room")
    order = guard.order(got.payload["work_order_id"])
    assert order["category"] == "emergency" and order["priority"] == "emergency"
    publisher.publish("zigbee2mqtt/north/b2/vibration", json.dumps({"vibration": True, "linkquality": 40}))
    letter = wait_for(lambda: [d for d in root.get("/api/v1/dead-letters").json() if d["topic"] == "zigbee2mqtt/north/b2/vibration"],
                      what="unknown alarm key kept")[0]
    assert "vibration" in letter["reason"]
