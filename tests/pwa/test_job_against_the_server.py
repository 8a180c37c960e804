"""Against the real server: a technician does a dispatched job in the app through to the customer's
signature, online and then wholly offline (reload included), a customer refuses to sign, and the
server has every step once, at the time it happened, with the blobs and a document it verifies."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser

from tests.live_server import ApiClient, LiveServer, new_order_args
from tests.pwa.app_steps import draw_signature, outbox, photo_file, sign_in, synced, wait_for_the_service_worker
from tests.world import PASSWORD, World


def test_a_technician_does_a_dispatched_job_and_the_server_verifies_the_signature(
        browser: Browser, live: LiveServer, world: World, as_user, tmp_path: Path) -> None:
    office: ApiClient = as_user("disp")
    order_id = str(uuid.uuid4())
    office.ok("create_work_order", id=order_id, site_id="north", unit="3-501", category="repair", priority="urgent",
              title="厨房漏水", description="水槽下渗水", reporter={"name": "王女士", "phone": "13800000000"})
    office.ok("dispatch", work_order_id=order_id, technician_id=world.users["tech"])

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1200})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live.url, "tech", "[data-testid=job-item]")
        page.click("[data-testid=job-item]")
        page.click("[data-testid=accept]")
        page.click("[data-testid=arrive]")
        # let the arrival's render and sync settle before typing, as a person reads the screen first
        page.wait_for_selector("[data-testid=job-screen][data-status=on_site]")
        page.wait_for_selector("[data-testid=sync-state][data-state=ok]")
        page.fill("[data-testid=scope-text]", "更换存水弯")
        page.fill("[data-testid=labor-fee]", "60")
        page.fill("[data-testid=material-fee]", "25.80")
        page.fill("[data-testid=customer-name]", "王女士")
        draw_signature(page, "consent-pad")
        page.click("[data-testid=confirm-scope]")
        page.wait_for_selector("[data-testid=job-screen][data-status=in_progress]")
        photo = tmp_path / "cleanup.jpg"
        Image.new("RGB", (2400, 1800), (120, 130, 140)).save(photo)
        page.select_option("[data-testid=photo-kind]", "cleanup")
        page.set_input_files("[data-testid=photo-input]", str(photo))
        page.wait_for_selector("[data-testid=photo-thumb]")
        page.fill("[data-testid=summary]", "已更换，无渗漏，现场已清理")
        page.click("[data-testid=complete]")
        page.click("[data-testid=hand-to-customer]")
        pad = page.locator("[data-testid=signature-pad]")
        pad.wait_for()
        box = pad.bounding_box()
        page.mouse.move(box["x"] + 40, box["y"] + 80)
        page.mouse.down()
        for i in range(1, 16):
            page.mouse.move(box["x"] + 40 + i * 15, box["y"] + 80 + (i % 3) * 20)
        page.mouse.up()
        page.fill("[data-testid=signer-name]", "王女士")
        shown_hash = page.get_attribute("[data-testid=sign-off-screen]", "data-document-sha256")
        page.click("[data-testid=sign-accept]")
        page.wait_for_selector("[data-testid=signed-screen]")
        synced(page)
        page.wait_for_selector("[data-testid=sync-state][data-state=ok]", state="attached")  # bar hidden while signing
    finally:
        ctx.close()

    order = office.order(order_id)
    assert order["status"] == "signed_off"
    assert (order["labor_fee"], order["material_fee"]) == (6000, 2580)
    names = [e["name"] for e in order["events"]]
    for step in ["accept", "arrive", "confirm_scope", "attach_photo", "complete", "sign_off"]:
        assert names.count(step) == 1, (step, names)
    assert order["signature"]["document_sha256"] == shown_hash
    for sha in [order["photos"][0]["sha256"], order["signature"]["signature_sha256"]]:
        assert office.head(f"/api/v1/blobs/{sha}").status_code == 200
    verify = office.get(f"/api/v1/work-orders/{order_id}/verify").json()
    assert verify["valid"] is True and verify["document_sha256"] == shown_hash
    assert not errors, errors


def test_a_dispatcher_records_and_dispatches_a_report_and_a_guard_starts_a_shift(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    ctx = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live.url, "disp", "[data-testid=dispatcher-screen]")
        page.wait_for_selector("[data-testid=sync-state][data-state=ok]")
        page.click("[data-testid=new-report]")
        page.wait_for_selector("[data-testid=report-form]")
        page.keyboard.type("12-1203")
        page.fill("[data-testid=report-title]", "Lift stuck on 12F")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("[data-testid=dispatch-item]")
        order_id = page.locator("[data-testid=dispatch-item]").first.get_attribute("data-order-id")
        page.select_option("[data-testid=dispatch-technician]", world.users["tech"])
        page.click("[data-testid=dispatch-submit]")
        synced(page)

        dispatcher_client = page.evaluate("import('/js/db.js').then((db) => db.getMeta('client_id'))")
        page.click("[data-testid=logout]")  # same device, next person
        guard = page
        guard.wait_for_selector("[data-testid=login-form]")
        guard.fill("[data-testid=login-username]", "guard")
        guard.fill("[data-testid=login-password]", PASSWORD)
        guard.click("[data-testid=login-submit]")
        guard.wait_for_selector("[data-testid=guard-screen]")
        guard.click("[data-testid=start-shift]")
        guard.wait_for_selector("[data-testid=shift-state]")
        synced(guard)
        rejections = guard.evaluate("import('/js/db.js').then((db) => db.listRejections())")
        guard_client = guard.evaluate("import('/js/db.js').then((db) => db.getMeta('client_id'))")
    finally:
        ctx.close()
    order = as_user("disp").order(order_id)
    assert (order["unit"], order["title"], order["status"]) == ("12-1203", "Lift stuck on 12F", "dispatched")
    assert order["assignee_id"] == world.users["tech"]
    assert rejections == []
    assert guard_client and guard_client != dispatcher_client  # the next person syncs as a new client
    assert not errors, errors


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_whole_job_done_offline_survives_a_reload_and_lands_once_with_its_offline_times(
        browser: Browser, live: LiveServer, world: World, as_user, tmp_path: Path) -> None:
    office: ApiClient = as_user("disp")
    order = new_order_args("north", unit="B2", title="水泵房漏水", description="泵体渗水", priority="urgent")
    order_id = order["id"]
    office.ok("create_work_order", **order)
    office.ok("dispatch", work_order_id=order_id, technician_id=world.users["tech"])
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1200})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live.url, "tech", f"[data-testid=job-item][href='#/job/{order_id}']")
        wait_for_the_service_worker(page)
        ctx.set_offline(True)  # the basement: no signal from here to the signature
        page.click(f"[data-testid=job-item][href='#/job/{order_id}']")
        page.click("[data-testid=accept]")
        page.click("[data-testid=arrive]")
        page.fill("[data-testid=scope-text]", "更换水泵密封圈")
        page.fill("[data-testid=labor-fee]", "120")
        page.fill("[data-testid=material-fee]", "38.5")
        page.fill("[data-testid=customer-name]", "物业刘经理")
        draw_signature(page, "consent-pad")
        page.click("[data-testid=confirm-scope]")
        page.wait_for_selector("[data-testid=job-screen][data-status=in_progress]")
        page.select_option("[data-testid=photo-kind]", "cleanup")
        page.set_input_files("[data-testid=photo-input]", str(photo_file(tmp_path / "cleanup.jpg")))
        page.wait_for_selector("[data-testid=photo-thumb]")
        page.fill("[data-testid=note-text]", "密封圈老化开裂")
        page.click("[data-testid=note-submit]")
        page.wait_for_selector("[data-testid=note]")
        page.fill("[data-testid=summary]", "已更换密封圈，试运行无渗漏，地面已清理")
        page.click("[data-testid=complete]")
        page.click("[data-testid=hand-to-customer]")
        draw_signature(page)
        page.fill("[data-testid=signer-name]", "刘经理")
        shown_hash = page.get_attribute("[data-testid=sign-off-screen]", "data-document-sha256")
        page.click("[data-testid=sign-accept]")
        page.wait_for_selector("[data-testid=signed-screen][data-status=signed_off]")
        queued = outbox(page)
        assert [m["name"] for m in queued] == ["accept", "arrive", "confirm_scope", "attach_photo", "add_note", "complete", "sign_off"]
        assert [m["id"] for m in queued] == list(range(1, 8))

        page.reload()  # a flat battery, or the technician swiping the app away
        page.wait_for_selector("html[data-ready=true]")
        assert outbox(page) == queued
        assert page.locator("[data-testid=sync-state]").get_attribute("data-pending") == "10"  # 7 steps + photo + consent + signature
        page.evaluate("h => { location.hash = h; }", f"#/job/{order_id}")
        page.wait_for_selector("[data-testid=job-screen][data-status=signed_off]")

        page.wait_for_timeout(300)
        back_online = datetime.now(timezone.utc)
        ctx.set_offline(False)  # back upstairs: the `online` event syncs
        page.wait_for_selector("[data-testid=sync-state][data-state=ok]", timeout=20000)
        synced(page)
    finally:
        ctx.close()

    got = office.order(order_id)
    assert got["status"] == "signed_off" and (got["labor_fee"], got["material_fee"]) == (12000, 3850)
    by_step = {m["name"]: m for m in queued}
    offline_events = [e for e in got["events"] if e["name"] in by_step]
    assert sorted(e["name"] for e in offline_events) == sorted(by_step), [e["name"] for e in got["events"]]  # each once
    for e in offline_events:
        assert at(e["occurred_at"]) < back_online <= at(e["recorded_at"]), e  # kept the time it happened offline
        origin = e["data"]["origin"]
        assert origin["mutation_id"] == by_step[e["name"]]["id"] and origin["client_ts"] == by_step[e["name"]]["client_ts"], e
    assert [e["name"] for e in offline_events] == list(by_step)  # in the order they were done
    [photo] = got["photos"]
    assert photo["kind"] == "cleanup" and photo["pending"] is False
    assert photo["sha256"] == by_step["attach_photo"]["args"]["sha256"]
    [note] = got["notes"]
    assert note["text"] == "密封圈老化开裂" and at(note["occurred_at"]) < back_online
    signature = got["signature"]
    assert signature["accepted"] is True and signature["pending"] is False and signature["signer_name"] == "刘经理"
    assert signature["document_sha256"] == shown_hash
    assert office.head(f"/api/v1/blobs/{signature['signature_sha256']}").status_code == 200
    verify = office.get(f"/api/v1/work-orders/{order_id}/verify").json()
    assert verify["valid"] is True and verify["document_sha256"] == shown_hash, verify
    assert not errors, errors


def completed_by_api(live: LiveServer, world: World, office: ApiClient, tmp_path: Path) -> str:
    """An order done up to `completed` through the API: the customer's signature is all that is left."""
    tech = live.login("tech")
    order = new_order_args("north", unit="5-302", title="卫生间地漏堵塞", description="积水")
    office.ok("create_work_order", **order)
    office.ok("dispatch", work_order_id=order["id"], technician_id=world.users["tech"])
    for step in ("accept", "arrive"):
        tech.ok(step, work_order_id=order["id"])
    tech.ok("confirm_scope", work_order_id=order["id"], scope="疏通地漏", labor_fee=8000, material_fee=0, customer_name="赵先生",
            consent_signature_sha256="c0" * 32)
    raw = photo_file(tmp_path / "drain.png", (640, 480)).read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    assert tech.put(f"/api/v1/blobs/{sha}", content=raw).status_code in (200, 201)
    tech.ok("attach_photo", work_order_id=order["id"], sha256=sha, kind="cleanup", taken_at="2026-11-23T09:00:00Z")
    tech.ok("complete", work_order_id=order["id"], summary="已疏通，仍有异味")
    return order["id"]


def test_a_customer_refuses_to_sign_with_a_comment_and_the_server_shows_the_order_disputed(
        browser: Browser, live: LiveServer, world: World, as_user, tmp_path: Path) -> None:
    office: ApiClient = as_user("disp")
    order_id = completed_by_api(live, world, office, tmp_path)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1200})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live.url, "tech", f"[data-testid=job-item][href='#/job/{order_id}']")
        page.click(f"[data-testid=job-item][href='#/job/{order_id}']")
        page.click("[data-testid=hand-to-customer]")
        draw_signature(page)
        page.fill("[data-testid=signer-name]", "赵先生")
        page.click("[data-testid=sign-refuse]")
        assert page.locator("[data-testid=sign-message]").inner_text()  # a refusal needs the customer's reason
        assert outbox(page) == []
        page.fill("[data-testid=sign-comment]", "地漏仍有异味，不同意验收")
        page.click("[data-testid=sign-refuse]")
        page.wait_for_selector("[data-testid=signed-screen][data-status=disputed]")
        synced(page)
    finally:
        ctx.close()
    got = office.order(order_id)
    assert got["status"] == "disputed"
    signature = got["signature"]
    assert signature["accepted"] is False and signature["comment"] == "地漏仍有异味，不同意验收"
    assert signature["pending"] is False and signature["signer_name"] == "赵先生"
    assert [e["name"] for e in got["events"]].count("sign_off") == 1
    assert office.get(f"/api/v1/work-orders/{order_id}/verify").json()["valid"] is True
    assert not errors, errors
