"""The screens, driven like a person would, on a replica seeded as a pull would leave it: the
technician's day and a whole job to a drawn signature, the guard's board, the dispatcher's board.
(The README's screenshots are written by test_screenshots.py, with the clock frozen.)"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from playwright.sync_api import BrowserContext, Page

from tests.pwa.app_steps import draw_signature, outbox, wait_until
from tests.pwa.conftest import StaticServer
from tests.pwa.seeded_replica import ALARM, LATER, ORDER, TECH, go, seed


def test_a_technician_does_a_whole_job_offline_to_the_customers_signature(
        context: BrowserContext, page: Page, pwa_server: StaticServer, tmp_path: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    seed(page, TECH, [("work_order", ORDER), ("work_order", LATER)])
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)  # installed
    context.set_offline(True)
    go(page, "#/jobs", "jobs-screen")
    titles = page.locator("[data-testid=job-item] .job-title").all_inner_texts()
    assert titles == ["厨房水龙头漏水", "楼道灯不亮"]  # the overdue one first
    assert "超时" in page.locator("[data-testid=countdown]").first.inner_text()

    go(page, f"#/job/{ORDER['id']}", "job-screen")
    page.click("[data-testid=accept]")
    page.click("[data-testid=arrive]")
    page.fill("[data-testid=scope-text]", "更换水龙头阀芯")
    page.fill("[data-testid=labor-fee]", "50")
    page.fill("[data-testid=material-fee]", "35.50")
    page.fill("[data-testid=customer-name]", "王女士")
    draw_signature(page, "consent-pad")
    page.click("[data-testid=confirm-scope]")
    page.wait_for_selector("[data-testid=job-screen][data-status=in_progress]")
    assert page.locator("[data-testid=complete]").is_disabled()  # no cleanup photo yet
    photo = tmp_path / "cleanup.png"
    from PIL import Image

    Image.new("RGB", (3000, 2000), (200, 180, 160)).save(photo)
    page.select_option("[data-testid=photo-kind]", "cleanup")
    page.set_input_files("[data-testid=photo-input]", str(photo))
    page.wait_for_selector("[data-testid=photo-thumb]")
    page.fill("[data-testid=note-text]", "阀芯老化")
    page.click("[data-testid=note-submit]")
    page.wait_for_selector("[data-testid=note]")
    page.fill("[data-testid=summary]", "已更换阀芯，不再滴水，现场已清理")
    page.click("[data-testid=complete]")
    page.click("[data-testid=hand-to-customer]")
    page.wait_for_selector("[data-testid=sign-off-screen]")
    assert page.locator("[data-testid=doc-total]").inner_text() == "¥85.50"
    box = page.locator("[data-testid=signature-pad]").bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for i in range(1, 20):
        page.mouse.move(box["x"] + 30 + i * 12, box["y"] + 100 + (i % 5) * 10)
    page.mouse.up()
    shown_hash = page.get_attribute("[data-testid=sign-off-screen]", "data-document-sha256")
    page.click("[data-testid=sign-accept]")
    page.wait_for_selector("[data-testid=signed-screen]")

    steps = outbox(page)
    assert [m["name"] for m in steps] == ["accept", "arrive", "confirm_scope", "attach_photo", "add_note",
                                          "complete", "sign_off"]
    assert [m["id"] for m in steps] == list(range(1, 8))
    scope = steps[2]["args"]
    assert (scope["labor_fee"], scope["material_fee"], scope["customer_name"]) == (5000, 3550, "王女士")
    assert len(scope["consent_signature_sha256"]) == 64  # the customer signed the price on the tablet
    photo_sha = steps[3]["args"]["sha256"]
    document = {"work_order_id": ORDER["id"], "site_id": "lotus", "unit": "3栋2单元501", "title": "厨房水龙头漏水",
                "scope": "更换水龙头阀芯", "labor_fee": 5000, "material_fee": 3550,
                "summary": "已更换阀芯，不再滴水，现场已清理", "photos": [photo_sha]}
    expected = hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"),
                                         ensure_ascii=False).encode()).hexdigest()
    sign = steps[6]["args"]
    assert sign["document_sha256"] == expected == shown_hash and sign["accepted"] is True
    blobs = page.evaluate("""import('/js/db.js').then(async (db) => Promise.all((await db.listBlobs()).map(async (b) => ({
        sha256: b.sha256, type: b.type, bytes: Array.from(new Uint8Array(await b.blob.arrayBuffer())) }))))""")
    by_sha = {b["sha256"]: b for b in blobs}
    for sha, kind in [(photo_sha, "image/jpeg"), (sign["signature_sha256"], "image/png")]:
        assert by_sha[sha]["type"] == kind
        assert hashlib.sha256(bytes(by_sha[sha]["bytes"])).hexdigest() == sha
    from io import BytesIO

    with Image.open(BytesIO(bytes(by_sha[photo_sha]["bytes"]))) as resized:
        assert max(resized.size) == 1600
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert len(outbox(page)) == 7
    assert page.locator("[data-testid=sync-state]").get_attribute("data-pending") == "10"  # 7 steps + photo, consent and signature
    assert not errors, errors


def test_a_guard_sees_the_alarm_board_acknowledges_and_photographs_the_scene_offline(
        context: BrowserContext, page: Page, tmp_path: Path) -> None:
    guard = {"id": "u-guard", "name": "张保安", "role": "guard", "site_ids": ["lotus"]}
    seed(page, guard, [("alarm", ALARM)])
    context.set_offline(True)
    go(page, "#/alarms", "guard-screen")
    page.click("[data-testid=start-shift]")
    page.wait_for_selector("[data-testid=shift-state]")
    page.click("[data-testid=alarm-ack]")
    page.wait_for_selector("[data-testid=alarm-acked]")
    from PIL import Image

    Image.new("RGB", (800, 600), (40, 60, 200)).save(tmp_path / "scene.png")
    page.set_input_files("[data-testid=alarm-photo-input]", str(tmp_path / "scene.png"))
    wait_until(page, "import('/js/db.js').then((db) => db.listOutbox()).then((o) => o.length === 3)", what="the scene photo queued")
    steps = outbox(page)
    assert [(m["name"], m["args"]) for m in steps[:2]] == [
        ("start_shift", {"site_id": "lotus"}), ("ack_alarm", {"alarm_id": "al-1"})]
    photo = steps[2]["args"]  # the emergency order is not on this device: queued for the server to judge
    assert steps[2]["name"] == "attach_photo" and photo["work_order_id"] == "wo-em-1" and photo["kind"] == "damage"


def test_a_dispatcher_records_a_report_from_the_keyboard_and_dispatches_it(context: BrowserContext, page: Page) -> None:
    dispatcher = {"id": "u-disp", "name": "客服小陈", "role": "dispatcher", "site_ids": ["lotus"]}
    overdue = {**ORDER, "status": "accepted", "sla": [{"step": "arrive", "target_s": 300, "elapsed_s": 900, "met": None}]}
    seed(page, dispatcher, [("work_order", overdue), ("site", {"id": "lotus", "name": "荷花苑"}),
                            ("user", {"id": "u-tech", "name": "李师傅", "role": "technician"})])
    context.set_offline(True)
    go(page, "#/report", "report-form")
    page.keyboard.type("7-302")
    page.keyboard.press("Enter")
    page.fill("[data-testid=report-title]", "卫生间漏水到楼下")
    page.fill("[data-testid=report-reporter-name]", "赵先生")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-testid=dispatcher-screen]")
    page.click("[data-testid=dispatch-submit]")
    page.wait_for_selector("[data-testid=sla-row][data-overdue=true]")
    steps = outbox(page)
    assert [m["name"] for m in steps] == ["create_work_order", "dispatch"]
    created = steps[0]["args"]
    assert created["unit"] == "7-302" and created["site_id"] == "lotus" and created["id"][14] == "7"
    assert steps[1]["args"] == {"work_order_id": created["id"], "technician_id": "u-tech"}


def test_paid_work_cannot_start_until_the_customer_signs_the_price(page: Page) -> None:
    seed(page, TECH, [("work_order", {**ORDER, "status": "on_site"}), ("site", {"id": "lotus", "name": "荷花苑"})])
    go(page, f"#/job/{ORDER['id']}", "scope-form")
    page.fill("[data-testid=scope-text]", "更换水龙头阀芯")
    page.fill("[data-testid=labor-fee]", "50")
    page.fill("[data-testid=material-fee]", "0")
    page.fill("[data-testid=customer-name]", "王女士")
    page.click("[data-testid=confirm-scope]")
    page.wait_for_function("document.body.innerText.includes('有偿服务须先由客户签字确认范围和价格')")
    assert outbox(page) == []


def test_a_customer_who_will_not_sign_refuses_with_a_comment_and_no_drawing(page: Page) -> None:
    done = {**ORDER, "status": "completed", "scope": "更换水龙头阀芯", "labor_fee": 0, "material_fee": 0, "summary": "已更换阀芯"}
    seed(page, TECH, [("work_order", done), ("site", {"id": "lotus", "name": "荷花苑"})])
    go(page, f"#/sign/{ORDER['id']}", "signature-pad")
    page.fill("[data-testid=signer-name]", "王女士")
    page.fill("[data-testid=sign-comment]", "还在滴水，不签字")
    page.click("[data-testid=sign-refuse]")
    wait_until(page, "import('/js/db.js').then((db) => db.listOutbox()).then((o) => o.length === 1)", what="the refusal queued")
    [refusal] = outbox(page)
    assert refusal["name"] == "sign_off"
    assert refusal["args"]["accepted"] is False and refusal["args"]["signature_sha256"] is None
    assert refusal["args"]["comment"] == "还在滴水，不签字"
