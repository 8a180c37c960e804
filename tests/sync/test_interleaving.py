"""Two devices of one technician and a dispatcher editing the same order, interleaved: the outcome follows
the rule in sync/README.md (arrival order decides state changes; every device's facts are kept).
"""

from __future__ import annotations

from server.ids import new_id
from tests.live_server import new_order_args
from tests.sync.device import Device


def dispatched_order(as_user, world) -> str:
    disp = as_user("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    return wo


def work_offline(as_user, wo: str) -> tuple[Device, Device]:
    """The phone accepts, arrives and notes; the tablet, also offline, accepts and notes too."""
    phone, tablet = Device(as_user("tech")), Device(as_user("tech"))
    phone.do("accept", work_order_id=wo)
    phone.do("arrive", work_order_id=wo)
    phone.do("add_note", work_order_id=wo, id=new_id(), text="phone: valve seized")
    tablet.do("accept", work_order_id=wo)
    tablet.do("add_note", work_order_id=wo, id=new_id(), text="tablet: parts list")
    return phone, tablet


def outcome(as_user, wo: str, *devices: Device) -> dict:
    order = as_user("disp").order(wo)
    return {
        "status": order["status"],
        "events": [e["name"] for e in order["events"]],
        "notes": sorted(n["text"] for n in order["notes"]),
        "conflicts": [c["mutation"] for c in order["conflicts"]],
        "rejections": [[(r["mutation_id"], r["name"], r["code"]) for r in d.pull()["rejections"]] for d in devices],
    }


def test_phone_then_cancel_then_tablet_gives_the_documented_result_every_time(as_user, world):
    results = []
    for _ in range(2):
        wo = dispatched_order(as_user, world)
        phone, tablet = work_offline(as_user, wo)
        assert phone.sync_up() == 3
        as_user("disp").ok("cancel", work_order_id=wo, reason="tenant moved out")
        assert tablet.sync_up() == 2
        results.append(outcome(as_user, wo, phone, tablet))
    assert results[0] == results[1] == {
        "status": "cancelled",
        "events": ["create_work_order", "dispatch", "accept", "arrive", "add_note", "cancel", "accept_refused", "add_note"],
        "notes": ["phone: valve seized", "tablet: parts list"],
        "conflicts": ["accept"],
        "rejections": [[], [(1, "accept", "invalid_status")]],
    }


def test_the_first_device_to_arrive_wins_the_step_and_the_other_keeps_its_facts(as_user, world):
    wo = dispatched_order(as_user, world)
    phone, tablet = work_offline(as_user, wo)
    assert tablet.sync_up() == 2
    as_user("disp").ok("add_note", work_order_id=wo, id=new_id(), text="office: customer rang again")
    assert phone.sync_up() == 3
    assert outcome(as_user, wo, phone, tablet) == {
        "status": "on_site",  # the tablet's accept came first; the phone's arrive still follows it
        "events": ["create_work_order", "dispatch", "accept", "add_note", "add_note", "accept_refused", "arrive", "add_note"],
        "notes": ["office: customer rang again", "phone: valve seized", "tablet: parts list"],
        "conflicts": ["accept"],
        "rejections": [[(1, "accept", "invalid_status")], []],
    }
