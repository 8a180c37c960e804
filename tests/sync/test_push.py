"""Sync push over real HTTP: exactly once, gaps, refused steps that keep their facts, corrected times,
and old or unknown mutations from apps still in the field.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from server.clock import now, parse_rfc3339, to_rfc3339
from server.ids import new_id
from tests.live_server import new_order_args
from tests.sync.device import Device

CONSENT = "c0" * 32  # the customer's consent drawing: a blob that may arrive later

SHA = "ab" * 32


def dispatched_order(as_user, world, technician: str = "tech") -> str:
    disp = as_user("disp")
    order = disp.ok("create_work_order", **new_order_args("north"))
    disp.ok("dispatch", work_order_id=order["id"], technician_id=world.users[technician])
    return order["id"]


def test_a_retried_push_applies_every_mutation_exactly_once(as_user, world):
    wo = dispatched_order(as_user, world)
    device = Device(as_user("tech"))
    device.do("accept", work_order_id=wo)
    for i in range(3):
        device.do("add_note", work_order_id=wo, id=new_id(), text=f"note {i}")
    first = device.push()
    assert first.status_code == 200, first.text
    assert first.json() == {"last_mutation_id": 4}
    again = device.push()  # the answer was lost on the way: the app sends the same queue again
    assert again.json() == {"last_mutation_id": 4}
    device.do("arrive", work_order_id=wo)
    longer = device.push()  # the retry now carries one more
    assert longer.json() == {"last_mutation_id": 5}

    order = as_user("tech").order(wo)
    assert order["status"] == "on_site"
    assert len(order["notes"]) == 3
    assert [e["name"] for e in order["events"]].count("accept") == 1
    assert [e["name"] for e in order["events"]].count("add_note") == 3


def test_a_gap_in_mutation_ids_is_409_and_applies_nothing(as_user, world):
    wo = dispatched_order(as_user, world)
    device = Device(as_user("tech"))
    device.do("add_note", work_order_id=wo, id=new_id(), text="first")
    assert device.sync_up() == 1
    r = device.push([{"id": 3, "name": "add_note", "args": {"work_order_id": wo, "id": new_id(), "text": "lost one before"}, "client_ts": device.clock()}])
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "mutation_gap"
    assert r.json()["error"]["last_mutation_id"] == 1  # the client resends from 2 without a pull to learn it
    inside = device.push([{"id": 2, "name": "accept", "args": {"work_order_id": wo}, "client_ts": device.clock()},
                          {"id": 4, "name": "arrive", "args": {"work_order_id": wo}, "client_ts": device.clock()}])
    assert inside.status_code == 409
    assert inside.json()["error"] == {"code": "mutation_gap", "message": inside.json()["error"]["message"], "last_mutation_id": 1}
    order = as_user("tech").order(wo)
    assert order["status"] == "dispatched" and len(order["notes"]) == 1


def test_completing_offline_after_the_dispatcher_cancelled_keeps_notes_photos_and_shows_the_conflict(as_user, world):
    wo = dispatched_order(as_user, world)
    device = Device(as_user("tech"))
    device.do("accept", work_order_id=wo)
    device.do("arrive", work_order_id=wo)
    device.do("confirm_scope", work_order_id=wo, scope="replace tap washer", labor_fee=3000, material_fee=500, customer_name="Ms Wang", consent_signature_sha256=CONSENT)
    device.do("attach_photo", work_order_id=wo, sha256=SHA, kind="cleanup", taken_at=device.clock())
    device.do("add_note", work_order_id=wo, id=new_id(), text="washer replaced, floor dried")
    device.do("complete", work_order_id=wo, summary="tap fixed")
    as_user("disp").ok("cancel", work_order_id=wo, reason="customer called: fixed it himself")

    assert device.sync_up() == 6  # refused steps count as processed
    pulled = device.pull()
    refused = {r["mutation_id"]: r for r in pulled["rejections"]}
    assert sorted(refused) == [1, 2, 3, 6]
    assert refused[6]["name"] == "complete" and refused[6]["code"] == "invalid_status"
    assert "cancelled" in refused[6]["message"]

    order = as_user("disp").order(wo)
    assert order["status"] == "cancelled"
    assert [n["text"] for n in order["notes"]] == ["washer replaced, floor dried"]
    assert [p["sha256"] for p in order["photos"]] == [SHA]
    assert order["summary"] == "tap fixed"
    names = [e["name"] for e in order["events"]]
    for kept in ("accept_refused", "arrive_refused", "confirm_scope_refused", "complete_refused"):
        assert kept in names
    consent = next(e for e in order["events"] if e["name"] == "confirm_scope_refused")["data"]["args"]
    assert consent["labor_fee"] == 3000 and consent["customer_name"] == "Ms Wang"
    conflicts = [c for c in order["conflicts"] if c["mutation"] == "complete"]
    assert len(conflicts) == 1 and "was refused" in conflicts[0]["message"] and conflicts[0]["resolved_at"] is None

    # The dispatcher's devices learn of the conflict through their own pull.
    office = Device(as_user("disp"))
    seen = office.pull()
    mine = next(op for op in seen["patch"] if op["type"] == "work_order" and op["id"] == wo)
    assert any(c["mutation"] == "complete" for c in mine["value"]["conflicts"])


def test_a_skewed_device_clock_is_corrected_to_when_the_step_really_happened(as_user, world):
    for skew_s in (3 * 3600, -3 * 3600):
        wo = dispatched_order(as_user, world)
        device = Device(as_user("tech"), clock_skew_s=skew_s)
        time.sleep(0.3)
        really = now()
        device.do("accept", work_order_id=wo)  # stamped by the wrong clock
        time.sleep(0.6)
        assert device.sync_up() == 1
        event = next(e for e in as_user("tech").order(wo)["events"] if e["name"] == "accept")
        occurred = parse_rfc3339(event["occurred_at"])
        assert abs((occurred - really).total_seconds()) < 0.3, (skew_s, event)
        assert event["occurred_at"] < event["recorded_at"]
        assert event["data"]["origin"]["client_id"] == device.client_id
        assert event["data"]["origin"]["mutation_id"] == 1
        device_stamp = parse_rfc3339(event["data"]["origin"]["client_ts"])  # the raw device time is kept beside it
        assert abs((device_stamp - really).total_seconds() - skew_s) < 1


def test_a_step_stamped_after_the_push_is_recorded_no_later_than_its_receipt(as_user, world):
    wo = dispatched_order(as_user, world)
    device = Device(as_user("tech"))
    device.do("accept", work_order_id=wo, client_ts=to_rfc3339(now() + timedelta(days=2)))  # the clock jumped meanwhile
    assert device.sync_up() == 1
    event = next(e for e in as_user("tech").order(wo)["events"] if e["name"] == "accept")
    assert event["occurred_at"] <= event["recorded_at"]


def test_unknown_mutations_and_old_argument_shapes_are_rejected_not_crashes(as_user, world):
    wo = dispatched_order(as_user, world)
    device = Device(as_user("tech"))
    device.do("teleport", work_order_id=wo)
    device.do("add_note", work_order_id=wo, id=new_id(), text="shape of last year", colour="red")
    device.do("add_note", wo=wo, id=new_id(), text="early builds called it wo")
    device.queue.append({"id": 4, "name": "accept", "args": [wo], "client_ts": device.clock()})
    device.queue.append({"id": 5, "name": "accept", "args": {"work_order_id": wo}, "client_ts": "yesterday-ish"})
    device.next_id = 6
    device.do("dispatch", work_order_id=wo, technician_id=world.users["tech_b"])  # not a technician's to do
    assert device.sync_up() == 6
    codes = {r["mutation_id"]: r["code"] for r in device.pull()["rejections"]}
    assert codes == {1: "unknown_mutation", 2: "invalid_arguments", 4: "invalid_arguments", 5: "invalid_time", 6: "role_not_allowed"}
    order = as_user("tech").order(wo)
    assert [n["text"] for n in order["notes"]] == ["early builds called it wo"]
    assert order["assignee_id"] == world.users["tech"]


def test_a_push_with_a_bad_client_time_is_refused_whole(as_user):
    device = Device(as_user("tech"))
    r = device.client.post("/api/v1/sync/push", json={"client_id": device.client_id, "client_time": "noon", "mutations": []})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_time"
    r = device.client.post("/api/v1/sync/push", json={"client_id": "has spaces", "client_time": device.clock(), "mutations": []})
    assert r.status_code == 400


def test_the_same_queue_pushed_three_times_at_once_is_applied_once(as_user, world, live):
    wo = dispatched_order(as_user, world)
    device = Device(as_user("tech"))
    for i in range(1200):
        device.do("add_note", work_order_id=wo, id=new_id(), text=f"retry storm {i}")
    token = device.client.headers["Authorization"]

    def push_copy(_: int) -> tuple[int, dict]:
        with httpx.Client(base_url=live.url, headers={"Authorization": token}, timeout=60) as c:
            r = c.post("/api/v1/sync/push", json={"client_id": device.client_id, "client_time": device.clock(), "mutations": device.queue})
            return r.status_code, r.json()

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(push_copy, range(3)))
    assert answers == [(200, {"last_mutation_id": 1200})] * 3
    order = as_user("tech").order(wo)
    assert len(order["notes"]) == 1200 and len({n["id"] for n in order["notes"]}) == 1200
    assert [e["name"] for e in order["events"]].count("add_note") == 1200


def test_notes_and_photos_of_a_technician_reassigned_away_while_offline_are_kept(as_user, world):
    wo = dispatched_order(as_user, world)
    device = Device(as_user("tech"))
    device.do("add_note", work_order_id=wo, id=new_id(), text="valve is behind the wardrobe")
    device.do("attach_photo", work_order_id=wo, sha256="cd" * 32, kind="before", taken_at=device.clock())
    as_user("disp").ok("dispatch", work_order_id=wo, technician_id=world.users["tech_b"])
    assert device.sync_up() == 2
    codes = [(r["name"], r["code"]) for r in device.pull()["rejections"]]
    assert codes == [("add_note", "work_order_not_found"), ("attach_photo", "work_order_not_found")]
    order = as_user("tech_b").order(wo)
    assert [n["text"] for n in order["notes"]] == ["valve is behind the wardrobe"]
    assert [p["sha256"] for p in order["photos"]] == ["cd" * 32]
    assert sorted(c["mutation"] for c in order["conflicts"]) == ["add_note", "attach_photo"]


def test_a_stranger_refused_on_someone_elses_order_keeps_nothing_there(as_user, world):
    south = as_user("disp_south").ok("create_work_order", **new_order_args("south"))["id"]
    device = Device(as_user("tech"))
    device.do("add_note", work_order_id=south, id=new_id(), text="should not land")
    assert device.sync_up() == 1
    assert [r["code"] for r in device.pull()["rejections"]] == ["work_order_not_found"]
    order = as_user("disp_south").order(south)
    assert order["notes"] == [] and order["conflicts"] == []
