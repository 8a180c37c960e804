"""Against the real server: a technician signs in, does a dispatched job in the app through to
the customer's signature, and the server has every step once, the blobs (sent with tus) and a
signed document whose hash it recomputes to the same value."""

from __future__ import annotations

import uuid
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser

from tests.live_server import ApiClient, LiveServer
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
        page.goto(live.url + "/")
        page.fill("[data-testid=login-username]", "tech")
        page.fill("[data-testid=login-password]", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_selector("[data-testid=job-item]")
        page.click("[data-testid=job-item]")
        page.click("[data-testid=accept]")
        page.click("[data-testid=arrive]")
        page.fill("[data-testid=scope-text]", "更换存水弯")
        page.fill("[data-testid=labor-fee]", "60")
        page.fill("[data-testid=material-fee]", "25.80")
        page.fill("[data-testid=customer-name]", "王女士")
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
        shown_hash = page.locator("[data-testid=document-sha256]").inner_text()
        page.click("[data-testid=sign-accept]")
        page.wait_for_selector("[data-testid=signed-screen]")
        page.wait_for_function("window.fieldops.syncNow().then(() => window.fieldops.pendingCounts())"
                               ".then((c) => c.total === 0 && c.blobs === 0)", timeout=20000)
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
        page.goto(live.url + "/")
        page.fill("[data-testid=login-username]", "disp")
        page.fill("[data-testid=login-password]", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_selector("[data-testid=dispatcher-screen]")
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
        page.wait_for_function("window.fieldops.syncNow().then(() => window.fieldops.pendingCounts())"
                               ".then((c) => c.total === 0)", timeout=20000)

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
        guard.wait_for_function("window.fieldops.syncNow().then(() => window.fieldops.pendingCounts())"
                                ".then((c) => c.total === 0)", timeout=20000)
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


def test_steps_taken_offline_survive_a_reload_and_land_once_with_their_offline_times(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    from datetime import datetime

    office: ApiClient = as_user("disp")
    order_id = str(uuid.uuid4())
    office.ok("create_work_order", id=order_id, site_id="north", unit="B2", category="repair", priority="normal",
              title="水泵房漏水", description="", reporter={"name": "物业", "phone": "0"})
    office.ok("dispatch", work_order_id=order_id, technician_id=world.users["tech"])
    ctx = browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(live.url + "/")
        page.fill("[data-testid=login-username]", "tech")
        page.fill("[data-testid=login-password]", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_selector(f"[data-testid=job-item][href='#/job/{order_id}']")
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
        ctx.set_offline(True)  # the basement
        page.click(f"[data-testid=job-item][href='#/job/{order_id}']")
        page.click("[data-testid=accept]")
        page.click("[data-testid=arrive]")
        page.wait_for_selector("[data-testid=job-screen][data-status=on_site]")
        page.reload()
        page.wait_for_selector("[data-testid=job-screen][data-status=on_site]")
        assert page.locator("[data-testid=sync-state]").get_attribute("data-pending") == "2"
        page.wait_for_timeout(2000)
        ctx.set_offline(False)  # back upstairs: the `online` event syncs
        page.wait_for_selector("[data-testid=sync-state][data-state=ok]", timeout=20000)
    finally:
        ctx.close()
    order = office.order(order_id)
    steps = [e for e in order["events"] if e["name"] in ("accept", "arrive")]
    assert [e["name"] for e in steps] == ["accept", "arrive"] and order["status"] == "on_site"
    for e in steps:
        lag = (datetime.fromisoformat(e["recorded_at"]) - datetime.fromisoformat(e["occurred_at"])).total_seconds()
        assert lag >= 1.5, e  # the step kept the time it happened, not the time it arrived
