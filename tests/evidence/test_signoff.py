"""The customer's sign-off over real HTTP: signed over the canonical document, refused when the office's
order changed (and shown to the dispatcher), kept even when refused, and verifiable afterwards."""

from __future__ import annotations


from server.ids import new_id
from tests import backend
from tests.evidence.flow import completed_order, document_hash, sign, upload
from tests.evidence.photos import phone_photo, sha, signature_png
from tests.live_server import new_order_args


def test_an_accepted_sign_off_signs_the_order_and_a_call_back_closes_it(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    signature = upload(tech, signature_png(b"accepted"))
    r = sign(tech, order, signature)
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["status"] == "signed_off" and signed["signed_off_at"]
    assert signed["signature"]["signature_sha256"] == signature and signed["signature"]["document_sha256"] == document_hash(order)
    assert signed["signature"]["accepted"] is True
    assert signed["signature"]["signer_name"] == ""  # the job is done: the technician no longer sees the customer's name
    assert disp.order(order["id"])["signature"]["signer_name"] == "王女士"
    assert sign(tech, order, signature).status_code == 200  # a retried sign-off changes nothing
    check = disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()
    assert check["valid"] is True and check["document_sha256"] == document_hash(order) and check["chain"]["valid"]
    assert disp.get(f"/api/v1/blobs/{signature}").status_code == 200  # staff of the site see the signature
    assert as_user("tech_south").get(f"/api/v1/blobs/{signature}").status_code == 404
    closed = disp.ok("call_back", work_order_id=order["id"], reached=True, satisfied=True, comment="满意")
    assert closed["status"] == "closed"


def test_a_refused_sign_off_puts_the_order_in_dispute_with_the_customers_comment(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    signature = upload(tech, signature_png(b"refused"))
    r = sign(tech, order, signature, accepted=False, comment="Still dripping under the sink")
    assert r.status_code == 200, r.text
    disputed = r.json()
    assert disputed["status"] == "disputed"
    assert disputed["signature"]["accepted"] is False and disputed["signature"]["comment"] == "Still dripping under the sink"
    assert disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()["valid"] is True


def test_a_customer_who_will_not_sign_refuses_with_a_comment_and_no_drawing(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    assert sign(tech, order, None, accepted=False).json()["error"]["code"] == "comment_required"
    assert sign(tech, order, None, accepted=True, comment="ok").json()["error"]["code"] == "signature_required"
    r = sign(tech, order, None, accepted=False, comment="The tap still drips; I will not sign")
    assert r.status_code == 200, r.text
    disputed = r.json()
    assert disputed["status"] == "disputed" and disputed["signature"]["signature_sha256"] is None
    assert disputed["signature"]["pending"] is False  # there is no drawing to wait for
    assert disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()["valid"] is True
    receipt = disp.get(f"/api/v1/work-orders/{order['id']}/receipt", params={"lang": "en"})
    assert receipt.status_code == 200 and "The tap still drips" in receipt.text


def test_a_sign_off_over_a_changed_document_is_refused_kept_and_shown_to_the_dispatcher(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    shown_to_customer = document_hash(order)
    # Meanwhile another photo reaches the order: the office's document is no longer what the customer sees.
    extra = upload(tech, phone_photo(seed=b"late photo"))
    tech.ok("attach_photo", work_order_id=order["id"], sha256=extra, kind="after", taken_at="2026-11-23T10:30:00Z")
    signature = upload(tech, signature_png(b"changed"))
    r = sign(tech, order, signature, document=shown_to_customer)
    assert r.status_code == 409 and r.json()["error"]["code"] == "document_changed"
    now = disp.order(order["id"])
    assert now["status"] == "completed" and now["signature"] is None
    assert [c["code"] for c in now["conflicts"]] == ["document_changed"]
    refused = [e for e in now["events"] if e["name"] == "sign_off_refused"]
    assert len(refused) == 1 and refused[0]["data"]["signature_sha256"] == signature
    assert refused[0]["data"]["document_sha256"] == shown_to_customer
    assert disp.get(f"/api/v1/blobs/{signature}").status_code == 200  # the kept signature is evidence too
    # Signed again over what the office has: accepted.
    assert sign(tech, now, signature).json()["status"] == "signed_off"


def test_new_figures_void_the_consent_and_a_sign_off_over_the_old_ones_is_refused(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    assert order["consent"]["labor_fee"] == 5000
    signature = upload(tech, signature_png(b"old figures"))
    old = {**order, "labor_fee": 3000}  # what a device showed before the price was raised
    r = sign(tech, order, signature, document=document_hash(old))
    assert r.status_code == 409 and r.json()["error"]["code"] == "document_changed"


def test_the_sign_off_belongs_to_the_assigned_technician_on_a_completed_order(as_user, world):
    disp, tech, tech_b = as_user("disp"), as_user("tech"), as_user("tech_b")
    order = completed_order(disp, tech, world.users["tech"])
    signature = upload(tech, signature_png(b"rules"))
    assert sign(disp, order, signature).status_code == 403
    assert sign(tech_b, order, signature).status_code == 404
    disp.ok("cancel", work_order_id=order["id"], reason="customer moved out")
    r = sign(tech, order, signature)
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_status"
    assert [e["name"] for e in disp.order(order["id"])["events"]][-1] == "sign_off_refused"


def test_verify_detects_a_field_edited_in_the_database(as_user, world, live):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    sign(tech, order, upload(tech, signature_png(b"tamper")))
    assert disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()["valid"] is True
    with backend.connect(live.data_dir / "fieldops.db") as db:
        db.execute("UPDATE work_orders SET material_fee = 350 WHERE id = ?", (order["id"],))
    check = disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()
    assert check["valid"] is False and check["document_sha256"] != check["signed_document_sha256"]
    assert any("material_fee" in p for p in check["problems"])


def test_verify_detects_an_edited_audit_event(as_user, world, live):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    with backend.connect(live.data_dir / "fieldops.db") as db:
        db.execute("UPDATE wo_events SET occurred_at = '2026-01-01T00:00:00.000000Z' WHERE work_order_id = ? AND name = 'complete'", (order["id"],))
    check = disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()
    assert check["valid"] is False and check["chain"]["valid"] is False and check["chain"]["broken_at"] is not None


def test_an_offline_sign_off_over_a_changed_document_is_one_conflict_and_its_signature_lands_later(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    shown_to_customer = document_hash(order)
    disp.ok("add_note", work_order_id=order["id"], id=new_id(), text="customer called: also check the shower")  # notes are not signed
    extra = upload(tech, phone_photo(seed=b"office photo"))
    tech.ok("attach_photo", work_order_id=order["id"], sha256=extra, kind="damage", taken_at="2026-11-23T10:40:00Z")
    signature_bytes = signature_png(b"offline")
    signature = sha(signature_bytes)  # still on the tablet: not uploaded yet
    now = "2026-11-23T11:05:00Z"
    r = tech.post("/api/v1/sync/push", json={"client_id": f"tablet-{new_id()}", "client_time": now, "mutations": [
        {"id": 1, "name": "sign_off", "client_ts": now, "args": {
            "work_order_id": order["id"], "signer_name": "王女士", "signature_sha256": signature, "accepted": True,
            "document_sha256": shown_to_customer, "signed_at": now}}]})
    assert r.status_code == 200, r.text
    seen = disp.order(order["id"])
    assert seen["status"] == "completed"
    assert [c["code"] for c in seen["conflicts"]] == ["document_changed"]  # raised once, by the sync engine
    assert [e["data"]["signature_sha256"] for e in seen["events"] if e["name"] == "sign_off_refused"] == [signature]
    assert disp.head(f"/api/v1/blobs/{signature}").status_code == 404
    upload(tech, signature_bytes)
    assert disp.get(f"/api/v1/blobs/{signature}").content == signature_bytes


def test_an_offline_signature_shows_pending_until_its_image_lands(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    signature_bytes = signature_png(b"pending signature")
    signed = sign(tech, order, sha(signature_bytes)).json()
    assert signed["status"] == "signed_off" and signed["signature"]["pending"] is True
    upload(tech, signature_bytes)
    assert disp.order(order["id"])["signature"]["pending"] is False


def test_the_customers_consent_is_signed_and_a_new_price_replaces_it(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    args = new_order_args()
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    tech.ok("accept", work_order_id=args["id"])
    tech.ok("arrive", work_order_id=args["id"])
    first = upload(tech, signature_png(b"consent 1"))
    tech.ok("confirm_scope", work_order_id=args["id"], scope="Replace cartridge", labor_fee=5000, material_fee=3500,
            customer_name="Ms Wang", consent_signature_sha256=first)
    second = upload(tech, signature_png(b"consent 2"))
    order = tech.ok("confirm_scope", work_order_id=args["id"], scope="Replace whole tap", labor_fee=8000, material_fee=21000,
                    customer_name="Ms Wang", consent_signature_sha256=second)
    assert order["consent"]["signature_sha256"] == second and order["consent"]["labor_fee"] == 8000
    consents = [e["data"]["consent"] for e in disp.order(args["id"])["events"] if e["name"] == "confirm_scope"]
    assert [c["signature_sha256"] for c in consents] == [first, second]  # the void consent stays in the audit trail
    assert disp.get(f"/api/v1/blobs/{first}").status_code == 200 and disp.get(f"/api/v1/blobs/{second}").status_code == 200
    assert as_user("disp_south").get(f"/api/v1/blobs/{second}").status_code == 404
    receipt = disp.get(f"/api/v1/work-orders/{args['id']}/receipt?lang=en").text
    assert "Replace whole tap" in receipt and "¥290.00" in receipt and "signed" in receipt


def test_verify_detects_a_photo_swapped_on_disk(as_user, world, live):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    sign(tech, order, upload(tech, signature_png(b"swap")))
    check = disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()
    assert check["valid"] is True and check["blobs"] == {"checked": 2, "damaged": []}
    photo = order["photos"][0]["sha256"]
    (live.data_dir / "blobs" / photo[:2] / photo).write_bytes(phone_photo(seed=b"a nicer photo"))
    check = disp.get(f"/api/v1/work-orders/{order['id']}/verify").json()
    assert check["valid"] is False and check["blobs"]["damaged"] == [photo]
    assert check["document_sha256"] == check["signed_document_sha256"]  # the record is intact; the file is not
