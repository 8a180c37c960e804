"""Calls for help and emergencies over real HTTP: nothing to pay and often no customer present, so the technician
completes them from on site with what was done and who was there — no scope, price, consent or cleanup photo —
and a reached call-back closes them with nothing signed; repair work keeps every one of those rules."""

from __future__ import annotations

import pytest

from tests.live_server import new_order_args


def on_site(disp, tech, world, **over):
    args = new_order_args(**over)
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    tech.ok("accept", work_order_id=args["id"])
    tech.ok("arrive", work_order_id=args["id"])
    return args["id"]


@pytest.mark.parametrize("category, extra", [("help", {"help_kind": "medical"}), ("emergency", {})])
def test_a_call_for_help_or_an_emergency_is_completed_from_on_site_without_price_or_cleanup_photo(as_user, world, category, extra):
    disp, tech = as_user("disp"), as_user("tech")
    order_id = on_site(disp, tech, world, category=category, title="B2 泵房进水", **extra)
    done = tech.ok("complete", work_order_id=order_id, summary="关闭总阀，抽干积水", people_present="保安李师傅、业主王先生")
    assert done["status"] == "completed" and done["completed_at"]
    assert (done["scope"], done["labor_fee"], done["material_fee"], done["consent"]) == (None, None, None, None)
    assert done["people_present"] == "保安李师傅、业主王先生"
    order = disp.order(order_id)
    assert [e["name"] for e in order["events"]][-2:] == ["arrive", "complete"]
    assert order["events"][-1]["data"]["people_present"] == "保安李师傅、业主王先生"

    # nothing for anyone to sign: the service centre's reached call-back closes it
    closed = disp.ok("call_back", work_order_id=order_id, reached=True, satisfied=True, comment="已回访，住户满意")
    assert closed["status"] == "closed" and closed["closed_at"]


def test_nobody_present_is_recorded_as_nothing_rather_than_an_empty_name(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order_id = on_site(disp, tech, world, category="emergency", title="Smoke alarm, plant room")
    assert tech.ok("complete", work_order_id=order_id, summary="False alarm: dust in the detector", people_present="  ")["people_present"] is None


def test_repair_work_still_needs_its_price_agreed_and_a_cleanup_photo(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order_id = on_site(disp, tech, world, category="repair")
    r = tech.mutate("complete", work_order_id=order_id, summary="done")
    assert r.status_code == 409 and r.json()["error"] == {"code": "invalid_status", "message": "cannot complete: the order is on_site", "status": "on_site"}
    tech.ok("confirm_scope", work_order_id=order_id, scope="Fix", labor_fee=0, material_fee=0, customer_name="Ms Wang")
    r = tech.mutate("complete", work_order_id=order_id, summary="done")
    assert r.status_code == 409 and r.json()["error"]["code"] == "cleanup_photo_required"


def test_a_completed_repair_is_not_closed_by_a_call_back_before_the_customer_signs(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order_id = on_site(disp, tech, world, category="repair")
    tech.ok("confirm_scope", work_order_id=order_id, scope="Fix", labor_fee=0, material_fee=0, customer_name="Ms Wang")
    tech.ok("attach_photo", work_order_id=order_id, sha256="ab" * 32, kind="cleanup", taken_at="2026-11-23T10:00:00Z")
    tech.ok("complete", work_order_id=order_id, summary="done")
    assert disp.ok("call_back", work_order_id=order_id, reached=True, comment="ok")["status"] == "completed"


def test_who_was_there_is_hidden_from_a_guard_who_may_not_see_the_customer(as_user, world):
    disp, tech, guard = as_user("disp"), as_user("tech"), as_user("guard")
    order_id = on_site(disp, tech, world, category="emergency", title="Water on 3F corridor")
    tech.ok("complete", work_order_id=order_id, summary="Mopped, pipe clamp fitted", people_present="Ms Wang (3-1201)")
    seen = guard.order(order_id)  # a guard sees the site's emergencies, but not a customer they did not record
    assert seen["customer_visible"] is False
    assert seen["people_present"] == ""
    assert all(e["data"].get("people_present") in (None, "") for e in seen["events"])
    assert disp.order(order_id)["people_present"] == "Ms Wang (3-1201)"
