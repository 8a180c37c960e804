"""The repair procedure over real HTTP: record, dispatch, accept, arrive, confirm scope, photo, complete,
and every refusal a user can run into (role, status, site, arguments)."""

from __future__ import annotations

import hashlib

from server.ids import new_id
from tests.live_server import new_order_args

CONSENT = "c0" * 32  # the customer's consent drawing: a blob that may arrive later


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_repair_goes_from_report_to_completion(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    args = new_order_args()
    order = disp.ok("create_work_order", **args)
    assert order["status"] == "new" and order["reporter"]["phone"] == "13800000000"

    assert disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])["status"] == "dispatched"
    assert tech.ok("accept", work_order_id=args["id"])["status"] == "accepted"
    assert tech.ok("arrive", work_order_id=args["id"])["status"] == "on_site"
    order = tech.ok("confirm_scope", work_order_id=args["id"], scope="Replace cartridge", labor_fee=5000, material_fee=3500, customer_name="Ms Wang", consent_signature_sha256=CONSENT)
    assert order["status"] == "in_progress" and order["labor_fee"] == 5000 and order["consent"]["customer_name"] == "Ms Wang"
    tech.ok("attach_photo", work_order_id=args["id"], sha256=sha("cleanup"), kind="cleanup", taken_at="2026-11-23T10:00:00Z")
    tech.ok("add_note", work_order_id=args["id"], id=new_id(), text="old cartridge cracked")
    order = tech.ok("complete", work_order_id=args["id"], summary="Cartridge replaced, no leak")
    assert order["status"] == "completed" and order["completed_at"]

    order = disp.order(args["id"])
    names = [e["name"] for e in order["events"]]
    assert names == ["create_work_order", "dispatch", "accept", "arrive", "confirm_scope", "attach_photo", "add_note", "complete"]
    assert all(e["occurred_at"].endswith("Z") and e["recorded_at"].endswith("Z") for e in order["events"])
    assert order["photos"] == [{"sha256": sha("cleanup"), "kind": "cleanup", "taken_at": "2026-11-23T10:00:00.000000Z", "pending": True}]
    assert order["notes"][0]["text"] == "old cartridge cracked"
    assert {s["step"] for s in order["sla"]} >= {"dispatch", "arrive", "feedback", "resolve"}
    assert all(s["met"] is True for s in order["sla"] if s["step"] in ("dispatch", "arrive", "feedback", "resolve"))


def test_a_technician_cannot_complete_without_a_cleanup_photo(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    args = new_order_args()
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    tech.ok("accept", work_order_id=args["id"])
    tech.ok("arrive", work_order_id=args["id"])
    tech.ok("confirm_scope", work_order_id=args["id"], scope="Fix", labor_fee=0, material_fee=0, customer_name="Ms Wang")
    tech.ok("attach_photo", work_order_id=args["id"], sha256=sha("before"), kind="before", taken_at="2026-11-23T10:00:00Z")
    r = tech.mutate("complete", work_order_id=args["id"], summary="done")
    assert r.status_code == 409 and r.json()["error"]["code"] == "cleanup_photo_required"
    assert tech.order(args["id"])["status"] == "in_progress"


def test_steps_out_of_order_are_refused_with_the_status(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    args = new_order_args()
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    r = tech.mutate("arrive", work_order_id=args["id"])
    assert r.status_code == 409 and r.json()["error"] == {"code": "invalid_status", "message": "cannot arrive: the order is dispatched",
                                                          "status": "dispatched"}  # the fact behind the refusal travels with it
    disp.ok("cancel", work_order_id=args["id"], reason="duplicate report")
    r = tech.mutate("accept", work_order_id=args["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_status"


def test_roles_are_enforced_on_every_mutation(as_user, world):
    disp, tech, guard = as_user("disp"), as_user("tech"), as_user("guard")
    args = new_order_args()
    disp.ok("create_work_order", **args)
    r = tech.mutate("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed"
    r = guard.mutate("cancel", work_order_id=args["id"], reason="no")
    assert r.status_code == 403
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    # Another technician of the same site does not even see the order.
    r = as_user("tech_b").mutate("accept", work_order_id=args["id"])
    assert r.status_code == 404 and r.json()["error"]["code"] == "work_order_not_found"


def test_another_sites_orders_answer_404(as_user, world):
    args = new_order_args(site_id="south")
    as_user("disp_south").ok("create_work_order", **args)
    disp_north = as_user("disp")
    assert disp_north.get(f"/api/v1/work-orders/{args['id']}").status_code == 404
    r = disp_north.mutate("cancel", work_order_id=args["id"], reason="x")
    assert r.status_code == 404
    r = disp_north.mutate("create_work_order", **new_order_args(site_id="south"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "site_not_found"
    listed = disp_north.get("/api/v1/work-orders").json()
    assert all(o["site_id"] == "north" for o in listed)


def test_a_technician_sees_only_their_orders_and_customer_details_only_while_working(as_user, world):
    disp, tech, tech_b = as_user("disp"), as_user("tech"), as_user("tech_b")
    mine, theirs = new_order_args(), new_order_args()
    disp.ok("create_work_order", **mine)
    disp.ok("create_work_order", **theirs)
    disp.ok("dispatch", work_order_id=mine["id"], technician_id=world.users["tech"])
    disp.ok("dispatch", work_order_id=theirs["id"], technician_id=world.users["tech_b"])
    ids = {o["id"] for o in tech.get("/api/v1/work-orders", params={"limit": 500}).json()}
    assert mine["id"] in ids and theirs["id"] not in ids
    assert tech.order(mine["id"])["reporter"]["phone"] == "13800000000"
    disp.ok("cancel", work_order_id=mine["id"], reason="customer fixed it")
    assert tech.order(mine["id"])["reporter"] == {"name": "", "phone": ""}
    assert tech_b.get(f"/api/v1/work-orders/{mine['id']}").status_code == 404


def test_bad_arguments_get_a_clear_422(as_user):
    disp = as_user("disp")
    cases = [
        new_order_args(id="not-a-uuid"),
        new_order_args(category="party"),
        new_order_args(category="complaint"),  # no complaint_level
        {**new_order_args(), "surprise": 1},
        new_order_args(title=""),
    ]
    for args in cases:
        r = disp.mutate("create_work_order", **args)
        assert r.status_code == 422, (args, r.text)
        assert r.json()["error"]["code"] in ("invalid_id", "invalid_arguments", "complaint_level_required")
    r = disp.mutate("confirm_scope", work_order_id=new_id(), scope="x", labor_fee=-1, material_fee=0, customer_name="a")
    assert r.status_code in (403, 422)


def test_unknown_mutation_malformed_json_and_oversized_bodies(as_user):
    disp = as_user("disp")
    r = disp.mutate("teleport", work_order_id="x")
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_mutation"
    r = disp.post("/api/v1/mutations/create_work_order", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    r = disp.post("/api/v1/mutations/add_note", content=b'{"text": "' + b"x" * (3 * 1024 * 1024) + b'"}', headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_a_retried_create_is_harmless_and_ids_stay_unique(as_user):
    disp = as_user("disp")
    args = new_order_args()
    first = disp.ok("create_work_order", **args)
    again = disp.ok("create_work_order", **args)
    assert first["id"] == again["id"] and len(again["events"]) == 1
    r = as_user("boss").mutate("create_work_order", **args)
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_id"


def test_lists_filter_by_status_and_assignee_and_page(as_user, world):
    disp = as_user("disp")
    made = []
    for _ in range(5):
        args = new_order_args(unit="page-test")
        disp.ok("create_work_order", **args)
        disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech_b"])
        made.append(args["id"])
    first = disp.get("/api/v1/work-orders", params={"status": "dispatched", "assignee": world.users["tech_b"], "limit": 3})
    assert first.status_code == 200 and len(first.json()) == 3 and 'rel="next"' in first.headers["link"]
    second = disp.get("/api/v1/work-orders", params={"status": "dispatched", "assignee": world.users["tech_b"], "limit": 3, "after": first.json()[-1]["id"]})
    seen = [o["id"] for o in first.json() + second.json()]
    assert set(made) <= set(seen) and len(seen) == len(set(seen))
    assert all(o["status"] == "dispatched" for o in first.json())
    assert disp.get("/api/v1/work-orders", params={"status": "bogus"}).status_code == 422


def test_deferring_and_calling_back(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    args = new_order_args()
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    order = tech.ok("defer", work_order_id=args["id"], reason="part on order", promised_at="2026-12-01T02:00:00Z")
    assert order["status"] == "deferred" and order["promised_at"] == "2026-12-01T02:00:00.000000Z"
    assert disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])["status"] == "dispatched"
    r = disp.mutate("call_back", work_order_id=args["id"], reached=True, satisfied=True, comment="")
    assert r.status_code == 409
