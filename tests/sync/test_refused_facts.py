"""What a refused offline step keeps on the order, by who sent it (sync/README.md "Refused mutations keep
their facts"): notes, photos and the refused step's event from anyone with business on the order; the
summary column only from the assignee; the customer's signature only from the order's technician, now or
before a reassignment."""

from __future__ import annotations

from server.ids import new_id
from tests.live_server import new_order_args
from tests.sync.device import Device, read_db

PHOTO, SIGNATURE, DOCUMENT = "a1" * 32, "b2" * 32, "c3" * 32


def sign_off_args(wo: str, device: Device) -> dict:
    return {"work_order_id": wo, "signer_name": "Ms Wang", "signature_sha256": SIGNATURE, "accepted": True,
            "document_sha256": DOCUMENT, "signed_at": device.clock()}


def signatures_kept(live, wo: str) -> list[tuple]:
    return read_db(live.data_dir, "SELECT signature_sha256, outcome FROM signatures WHERE work_order_id = ?", (wo,))


def test_a_technician_who_only_recorded_the_order_keeps_notes_and_photos_but_no_summary_or_signature(as_user, world, live):
    disp, tech_b = as_user("disp"), as_user("tech_b")
    wo = tech_b.ok("create_work_order", **new_order_args("north"))["id"]  # found on a round, then given to someone else
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    device = Device(tech_b)
    device.do("add_note", work_order_id=wo, id=new_id(), text="the stopcock is seized")
    device.do("attach_photo", work_order_id=wo, sha256=PHOTO, kind="damage", taken_at=device.clock())
    device.do("complete", work_order_id=wo, summary="fixed it myself")
    device.do("sign_off", **sign_off_args(wo, device))
    assert device.sync_up() == 4
    assert [(r["name"], r["code"]) for r in device.pull()["rejections"]] == [
        ("attach_photo", "not_assignee"), ("complete", "not_assignee"), ("sign_off", "not_assignee")]

    order = disp.order(wo)
    assert [n["text"] for n in order["notes"]] == ["the stopcock is seized"]  # anyone who sees the order may note
    assert [p["sha256"] for p in order["photos"]] == [PHOTO]  # evidence of what they found
    assert order["summary"] is None and order["signature"] is None and order["status"] == "dispatched"
    events = [e["name"] for e in order["events"]]
    assert "complete_refused" in events and "sign_off_refused" not in events
    assert next(e for e in order["events"] if e["name"] == "complete_refused")["data"]["summary"] == "fixed it myself"
    assert signatures_kept(live, wo) == []
    assert sorted(c["mutation"] for c in order["conflicts"]) == ["attach_photo", "complete", "sign_off"]


def test_the_assignees_refused_steps_keep_the_summary_and_the_signature(as_user, world, live):
    disp = as_user("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    device = Device(as_user("tech"))
    device.do("accept", work_order_id=wo)
    device.do("arrive", work_order_id=wo)
    device.do("confirm_scope", work_order_id=wo, scope="Reseat the trap", labor_fee=0, material_fee=0, customer_name="Ms Wang")
    device.do("complete", work_order_id=wo, summary="trap reseated")  # no cleanup photo: refused
    device.do("sign_off", **sign_off_args(wo, device))  # not completed: refused
    assert device.sync_up() == 5
    assert [(r["name"], r["code"]) for r in device.pull()["rejections"]] == [
        ("complete", "cleanup_photo_required"), ("sign_off", "invalid_status")]
    order = disp.order(wo)
    assert order["status"] == "in_progress" and order["summary"] == "trap reseated"
    assert "sign_off_refused" in [e["name"] for e in order["events"]]
    assert signatures_kept(live, wo) == [(SIGNATURE, "refused")]


def test_a_technician_reassigned_away_keeps_the_signature_taken_but_not_the_summary(as_user, world, live):
    disp = as_user("disp")
    wo = disp.ok("create_work_order", **new_order_args("north"))["id"]
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech"])
    device = Device(as_user("tech"))
    device.do("complete", work_order_id=wo, summary="done before the reassignment reached me")
    device.do("sign_off", **sign_off_args(wo, device))
    disp.ok("dispatch", work_order_id=wo, technician_id=world.users["tech_b"])
    assert device.sync_up() == 2
    order = disp.order(wo)
    assert order["summary"] is None  # the summary the customer signs is tech_b's to write now
    assert next(e for e in order["events"] if e["name"] == "complete_refused")["data"]["summary"].startswith("done before")
    assert signatures_kept(live, wo) == [(SIGNATURE, "refused")]
