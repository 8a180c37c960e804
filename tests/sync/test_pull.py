"""Sync pull over real HTTP: the full set a user may see, then only what changed, deletes when an order
leaves a technician, the same visibility as the online API, and cookies that are the server's own.
"""

from __future__ import annotations

import base64
import json
import time

from server.auth import TOKEN_CACHE_S
from server.ids import new_id
from tests import backend
from tests.live_server import new_order_args
from tests.sync.device import Device


def test_a_first_pull_brings_everything_the_technician_may_see_and_nothing_else(as_user, world):
    disp = as_user("disp")
    mine = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=mine, technician_id=world.users["tech"])
    colleague = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=colleague, technician_id=world.users["tech_b"])
    south = as_user("disp_south").ok("create_work_order", **new_order_args("south"))["id"]

    device = Device(as_user("tech"))
    body = device.pull()
    assert body["last_mutation_id"] == 0 and body["rejections"] == [] and body["server_time"].endswith("Z")
    kinds = {(t, i) for t, i in device.objects}
    assert ("work_order", mine) in kinds
    assert ("work_order", colleague) not in kinds and ("work_order", south) not in kinds
    assert ("site", "north") in kinds and ("site", "south") not in kinds
    users = {i: v for (t, i), v in device.objects.items() if t == "user"}
    assert world.users["tech_b"] in users and world.users["disp"] in users
    assert world.users["tech_south"] not in users
    assert set(users[world.users["disp"]]) == {"id", "name", "role"}
    order = device.objects[("work_order", mine)]
    online = as_user("tech").order(mine)
    assert {k: v for k, v in order.items() if k != "sla"} == {k: v for k, v in online.items() if k not in ("events", "sla")}
    assert "events" not in order  # the audit trail stays one GET away: pulls stay lean


def test_a_delta_pull_sends_only_what_changed_and_a_quiet_one_sends_nothing(as_user, world):
    disp = as_user("disp")
    device = Device(as_user("tech"))
    device.pull()
    assert device.pull()["patch"] == []
    fresh = disp.ok("create_work_order", **new_order_args("north"))["id"]
    assert device.pull()["patch"] == []  # not dispatched: not the technician's business yet
    disp.ok("dispatch", work_order_id=fresh, technician_id=world.users["tech"])
    disp.ok("add_note", work_order_id=fresh, id=new_id(), text="customer home after 18:00")
    patch = device.pull()["patch"]
    assert [(op["op"], op["type"], op["id"]) for op in patch] == [("put", "work_order", fresh)]
    assert patch[0]["value"]["notes"][0]["text"] == "customer home after 18:00"
    assert device.pull()["patch"] == []


def test_an_order_reassigned_away_from_a_technician_arrives_as_a_delete(as_user, world):
    disp = as_user("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    first, second = Device(as_user("tech")), Device(as_user("tech_b"))
    first.pull()
    second.pull()
    assert ("work_order", wo) in first.objects and ("work_order", wo) not in second.objects
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech_b"])
    assert {"op": "del", "type": "work_order", "id": wo} in first.pull()["patch"]
    assert ("work_order", wo) not in first.objects
    assert any(op["op"] == "put" and op["id"] == wo for op in second.pull()["patch"])


def test_pull_reports_the_clients_last_mutation_and_its_rejections_once(as_user, world):
    disp = as_user("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    device = Device(as_user("tech"))
    device.pull()
    device.do("arrive", work_order_id=wo)  # not accepted yet: refused
    device.do("accept", work_order_id=wo)
    assert device.sync_up() == 2
    body = device.pull()
    assert body["last_mutation_id"] == 2
    assert [(r["mutation_id"], r["name"], r["code"]) for r in body["rejections"]] == [(1, "arrive", "invalid_status")]
    assert device.objects[("work_order", wo)]["status"] == "accepted"
    again = device.pull()
    assert again["rejections"] == [] and again["last_mutation_id"] == 2
    other = Device(as_user("tech"))  # another device of the same technician has its own queue
    assert other.pull()["last_mutation_id"] == 0


def test_a_guard_pulls_emergencies_and_help_calls_of_the_site_but_not_repairs(as_user, world):
    disp = as_user("disp")
    repair = disp.ok("create_work_order", **new_order_args("north"))["id"]
    help_call = disp.ok("create_work_order", **new_order_args("north", category="help"))["id"]
    device = Device(as_user("guard"))
    device.pull()
    assert ("work_order", help_call) in device.objects and ("work_order", repair) not in device.objects
    online = as_user("guard").order(help_call)
    assert device.objects[("work_order", help_call)]["reporter"] == online["reporter"]


def test_a_cookie_that_is_not_ours_or_not_yours_is_refused(as_user):
    tech = Device(as_user("tech"))
    tech.pull()
    stolen = Device(as_user("tech_b"))
    stolen.cookie = tech.cookie
    r = stolen.client.post("/api/v1/sync/pull", json={"client_id": stolen.client_id, "cookie": tech.cookie})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cookie"
    r = stolen.client.post("/api/v1/sync/pull", json={"client_id": stolen.client_id, "cookie": "not-a-cookie"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cookie"


def test_an_edited_cookie_is_refused_and_never_lists_other_sites_as_deletions(as_user):
    disp_south = as_user("disp_south")
    south_order = disp_south.ok("create_work_order", **new_order_args("south"))["id"]
    tech = Device(as_user("tech"))
    tech.pull()
    body, dot, mac = tech.cookie.partition(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(role="admin", sites=[])  # "I was an admin": a re-scoped pull would delete all an admin sees
    forged = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).decode().rstrip("=") + dot + mac
    r = tech.client.post("/api/v1/sync/pull", json={"client_id": tech.client_id, "cookie": forged})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cookie", r.text[:300]
    assert south_order not in r.text
    # The cookie as the server made it still works.
    assert tech.pull()["patch"] == []


def test_sync_needs_a_login(live):
    with live.anonymous() as anonymous:
        assert anonymous.post("/api/v1/sync/pull", json={"client_id": "x", "cookie": None}).status_code == 401
        assert anonymous.post("/api/v1/sync/push", json={"client_id": "x", "client_time": "2026-01-01T00:00:00Z", "mutations": []}).status_code == 401


def test_a_user_moved_to_another_site_gets_the_new_sites_data_and_deletes_for_the_old(as_user, world, world_dir):
    south_order = as_user("disp_south").ok("create_work_order", **new_order_args("south"))["id"]
    north_order = as_user("disp").ok("create_work_order", **new_order_args("north"))["id"]
    device = Device(as_user("disp_south"))
    device.pull()
    assert ("work_order", south_order) in device.objects and ("site", "south") in device.objects
    user = world.users["disp_south"]
    move = backend.connect(world_dir / "fieldops.db", timeout=10)
    try:
        with move:
            move.execute("UPDATE user_sites SET site_id = 'north' WHERE user_id = ?", (user,))
        # Edited behind the server's back (as another instance or the CLI would): its cached session is trusted
        # for TOKEN_CACHE_S, so the move shows within that.
        deadline = time.monotonic() + TOKEN_CACHE_S + 5
        while not (patch := device.pull()["patch"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert {"op": "del", "type": "site", "id": "south"} in patch
        assert {"op": "del", "type": "work_order", "id": south_order} in patch
        assert ("work_order", north_order) in device.objects and ("site", "north") in device.objects
        assert not any(t == "work_order" and v["site_id"] == "south" for (t, _), v in device.objects.items())
    finally:
        with move:
            move.execute("UPDATE user_sites SET site_id = 'south' WHERE user_id = ?", (user,))
        move.close()
