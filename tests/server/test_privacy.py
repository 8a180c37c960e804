"""Who sees the customer's name and phone (README "Privacy"): the office always, the assigned technician
while the job is theirs, a guard on an open order they recorded; everyone else gets them blanked, in the
order, its lists, sync pulls, the receipt and the audit trail alike."""

from __future__ import annotations

from tests.live_server import ApiClient, new_order_args
from tests.sync.device import Device

CONSENT = "c0" * 32  # the customer's consent drawing: a blob that may arrive later

CUSTOMER = {"name": "Ms Wang", "phone": "13800000000"}
HIDDEN = {"name": "", "phone": ""}


def seen_everywhere(client: ApiClient, work_order_id: str) -> list[dict]:
    """The order as one user gets it from GET, from the list and from a fresh sync pull."""
    listed = next(o for o in client.get("/api/v1/work-orders", params={"limit": 500}).json() if o["id"] == work_order_id)
    device = Device(client)
    device.pull()
    return [client.order(work_order_id), listed, device.objects[("work_order", work_order_id)]]


def reporter_everywhere(client: ApiClient, work_order_id: str) -> list[tuple[dict, bool]]:
    return [(o["reporter"], o["customer_visible"]) for o in seen_everywhere(client, work_order_id)]


def test_the_office_sees_the_customer_on_every_order_of_its_site_even_after_the_job(as_user, world):
    disp = as_user("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("cancel", work_order_id=wo, reason="duplicate report")
    for office in ("disp", "boss", "root"):  # the call-back and complaints need the customer after the job
        assert reporter_everywhere(as_user(office), wo) == [(CUSTOMER, True)] * 3, office


def test_a_guard_sees_the_customer_only_on_an_open_order_they_recorded(as_user, world):
    disp, guard = as_user("disp"), as_user("guard")
    dispatchers_call = disp.ok("create_work_order", **new_order_args("north", category="help"))["id"]
    after_hours_call = guard.ok("create_work_order", **new_order_args("north", category="help"))["id"]

    assert reporter_everywhere(guard, dispatchers_call) == [(HIDDEN, False)] * 3  # the unit says where to go
    assert guard.order(dispatchers_call)["unit"] == "3-1201"
    assert reporter_everywhere(guard, after_hours_call) == [(CUSTOMER, True)] * 3  # they took the first contact

    disp.ok("cancel", work_order_id=after_hours_call, reason="resident no longer needs help")
    assert reporter_everywhere(guard, after_hours_call) == [(HIDDEN, False)] * 3


def test_a_technician_who_recorded_an_order_sees_its_customer_only_while_it_is_assigned_to_them(as_user, world):
    disp, tech, tech_b = as_user("disp"), as_user("tech"), as_user("tech_b")
    wo = tech_b.ok("create_work_order", **new_order_args("north"))["id"]  # found on a round
    assert reporter_everywhere(tech_b, wo) == [(HIDDEN, False)] * 3

    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    tech.ok("accept", work_order_id=wo)
    tech.ok("arrive", work_order_id=wo)
    tech.ok("confirm_scope", work_order_id=wo, scope="Replace washer", labor_fee=2000, material_fee=300, customer_name="Ms Wang", consent_signature_sha256=CONSENT)
    assert reporter_everywhere(tech, wo) == [(CUSTOMER, True)] * 3
    assert "Ms Wang" in tech.get(f"/api/v1/work-orders/{wo}/receipt").text

    assert reporter_everywhere(tech_b, wo) == [(HIDDEN, False)] * 3
    for view in seen_everywhere(tech_b, wo):
        assert view["consent"]["customer_name"] == "" and view["consent"]["labor_fee"] == 2000
    receipt = tech_b.get(f"/api/v1/work-orders/{wo}/receipt")
    assert receipt.status_code == 200 and "Ms Wang" not in receipt.text and "Replace washer" in receipt.text


def test_a_refused_confirm_scope_keeps_the_customer_out_of_the_audit_trail_of_those_who_may_not_see_them(as_user, world):
    disp, guard, tech_b = as_user("disp"), as_user("guard"), as_user("tech_b")
    wo = tech_b.ok("create_work_order", **new_order_args("north", category="help"))["id"]  # a guard and its recorder see it
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    device = Device(as_user("tech"))
    device.do("confirm_scope", work_order_id=wo, scope="Unblock drain", labor_fee=0, material_fee=0, customer_name="Ms Wang")
    assert device.sync_up() == 1  # refused (not accepted yet), its arguments kept as confirm_scope_refused

    def refused_args(client: ApiClient) -> dict:
        return next(e for e in client.order(wo)["events"] if e["name"] == "confirm_scope_refused")["data"]["args"]

    assert refused_args(disp)["customer_name"] == "Ms Wang"
    disp.ok("cancel", work_order_id=wo, reason="resident unblocked it")  # over: nobody in the field sees the customer
    for outsider in (guard, tech_b, as_user("tech")):
        args = refused_args(outsider)
        assert args["customer_name"] == "" and args["scope"] == "Unblock drain"
        body = outsider.get(f"/api/v1/work-orders/{wo}").text
        assert "Ms Wang" not in body and "13800000000" not in body
    assert refused_args(disp)["customer_name"] == "Ms Wang"
