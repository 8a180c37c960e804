"""Against the real server, the technician's job screen: a step refused while offline shows at once after the
sync (the order as the server has it, the refusal in the reader's words and what to do next, even after typing
on the screen), and a call for help and an emergency are completed with no price or consent — what was done,
photos, who was there."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.live_server import LiveServer, new_order_args
from tests.pwa.app_steps import photo_file, sign_in, synced, wait_for_the_service_worker, wait_until
from tests.world import World

SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}
TABLET = {"width": 1024, "height": 768}


def dispatched(as_user, world: World, **over) -> str:
    office = as_user("disp")
    args = new_order_args("north", unit="6-" + uuid.uuid4().hex[:4], **over)
    office.ok("create_work_order", **args)
    office.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    return args["id"]


def open_job(page: Page, order_id: str, status: str) -> None:
    page.evaluate("h => { location.hash = h; }", f"#/job/{order_id}")
    page.wait_for_selector(f"[data-testid=job-screen][data-status={status}]")


def test_a_step_refused_while_offline_is_shown_at_once_after_the_sync_in_chinese_with_what_to_do_next(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    order_id = dispatched(as_user, world, title="厨房下水道堵塞")
    ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live.url, "tech", f"[data-testid=job-item][href='#/job/{order_id}']")
        wait_for_the_service_worker(page)
        open_job(page, order_id, "dispatched")
        page.click("[data-testid=accept]")
        page.wait_for_selector("[data-testid=job-screen][data-status=accepted]")
        synced(page)
        ctx.set_offline(True)
        page.click("[data-testid=arrive]")
        page.wait_for_selector("[data-testid=job-screen][data-status=on_site]")
        page.fill("[data-testid=note-text]", "住户不在家，物业陪同进门")  # typed on the screen: it once froze redraws
        page.click("[data-testid=note-submit]")
        # the badge counts the arrival first and the note a redraw later: wait for both, never assert mid-redraw
        page.wait_for_selector("[data-testid=order-pending]:text-is('2 条未发送')")
        page.fill("[data-testid=scope-text]", "疏通下水管")  # half-filled, then the order changes under it
        # meanwhile the service centre defers the order (the part is on order)
        promised = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        as_user("disp").ok("defer", work_order_id=order_id, reason="配件缺货，已订购", promised_at=promised)

        ctx.set_offline(False)
        # no reload, no navigation: the screen itself follows the server
        page.wait_for_selector("[data-testid=job-screen][data-status=deferred]", timeout=20000)
        refusal = page.locator("[data-testid=rejection]")
        assert refusal.count() == 1
        assert page.locator("[data-testid=rejection-step]").inner_text() == "「到场」未被服务器接受"
        assert page.locator("[data-testid=rejection-reason]").inner_text() == "工单现在的状态是「已延期」，这一步已不适用。"
        assert "客服中心已将此单延期" in page.locator("[data-testid=rejection-next]").inner_text()
        assert "cannot" not in page.locator("[data-testid=job-screen]").inner_text()  # not the server's English
        assert page.locator("[data-testid=deferred-note]").is_visible()
        assert page.locator("[data-testid=order-pending]").count() == 0  # nothing waits: the badge is gone
        assert page.locator("[data-testid=scope-form]").count() == 0  # a form that no longer applies is gone
        assert page.locator("[data-testid=note]").inner_text().endswith("住户不在家，物业陪同进门")  # the note landed
        wait_until(page, "document.querySelector('[data-testid=sync-state]').dataset.state === 'ok'", 10, "the bar ok once read")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "tech-refused-step-phone-zh-CN.png"))
        page.set_viewport_size(TABLET)
        page.select_option("[data-testid=language-switch]", "en")
        page.wait_for_selector("[data-testid=rejection-step]:text('“Arrive” was not accepted by the server')")
        assert page.locator("[data-testid=rejection-reason]").inner_text() == "The order is now “Deferred”: this step no longer applies."
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "tech-refused-step-tablet-en.png"))
    finally:
        ctx.close()
    assert not errors, errors


def test_the_bar_points_at_an_order_whose_step_was_refused_until_it_is_opened(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    order_id = dispatched(as_user, world, title="阳台门关不上")
    ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    try:
        sign_in(page, live.url, "tech", f"[data-testid=job-item][href='#/job/{order_id}']")
        wait_for_the_service_worker(page)
        ctx.set_offline(True)
        open_job(page, order_id, "dispatched")
        page.click("[data-testid=accept]")
        page.wait_for_selector("[data-testid=job-screen][data-status=accepted]")
        page.evaluate("() => { location.hash = '#/jobs'; }")
        page.wait_for_selector("[data-testid=jobs-screen]")
        as_user("disp").ok("cancel", work_order_id=order_id, reason="住户已自行修好")
        ctx.set_offline(False)
        wait_until(page, "document.querySelector('[data-testid=sync-state]').dataset.state === 'refused'", 20, "the bar to say refused")
        assert page.locator("[data-testid=sync-state]").inner_text() == "已同步 · 1 个步骤被拒"
        page.screenshot(path=str(SHOTS / "sync-bar-step-refused-phone-zh-CN.png"))
        page.click("[data-testid=sync-refused-order]")
        page.wait_for_selector("[data-testid=job-screen][data-status=cancelled]")
        assert "此单已取消，不用继续" in page.locator("[data-testid=rejection-next]").inner_text()
        wait_until(page, "document.querySelector('[data-testid=sync-state]').dataset.state === 'ok'", 10, "the bar ok once read")
    finally:
        ctx.close()


def complete_unpriced(page: Page, order_id: str, summary: str, present: str, photo: Path | None) -> None:
    open_job(page, order_id, "dispatched")
    page.click("[data-testid=accept]")
    page.click("[data-testid=arrive]")
    page.wait_for_selector("[data-testid=job-screen][data-status=on_site] [data-testid=unpriced-complete-form]")
    assert page.locator("[data-testid=scope-form]").count() == 0  # no price, no consent
    assert page.locator("[data-testid=consent-pad], [data-testid=labor-fee], [data-testid=customer-name]").count() == 0
    if photo is not None:
        page.select_option("[data-testid=photo-kind]", "damage")
        page.set_input_files("[data-testid=photo-input]", str(photo))
        page.wait_for_selector("[data-testid=photo-thumb]")
    page.fill("[data-testid=summary]", summary)
    page.fill("[data-testid=people-present]", present)


def test_a_call_for_help_and_an_emergency_are_completed_without_price_or_consent(
        browser: Browser, live: LiveServer, world: World, as_user, tmp_path: Path) -> None:
    help_id = dispatched(as_user, world, category="help", help_kind="medical", title="老人在电梯厅摔倒")
    emergency_id = dispatched(as_user, world, category="emergency", priority="emergency", title="B2 泵房进水")
    ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live.url, "tech", f"[data-testid=job-item][href='#/job/{help_id}']")
        complete_unpriced(page, help_id, "扶起老人，联系家属，陪同等候120", "保安李师傅、家属张女士", None)
        assert page.locator("[data-testid=unpriced-hint]").inner_text().startswith("求助和紧急情况不收费")
        synced(page)  # the steps so far are in: no redraw moves the form under the screenshot
        page.evaluate("() => document.querySelector('[data-testid=unpriced-complete-form]').scrollIntoView()")
        page.screenshot(path=str(SHOTS / "tech-help-on-site-phone-zh-CN.png"))
        page.click("[data-testid=complete]")
        page.wait_for_selector("[data-testid=job-screen][data-status=completed] [data-testid=unpriced-done]")
        assert page.locator("[data-testid=fact-people-present]").inner_text() == "保安李师傅、家属张女士"
        assert page.locator("[data-testid=hand-to-customer]").inner_text() == "请在场人员签字确认（可选）"

        page.select_option("[data-testid=language-switch]", "en")
        page.set_viewport_size(PHONE)
        complete_unpriced(page, emergency_id, "Main valve closed, water pumped out, floor dried", "",
                          photo_file(tmp_path / "flooded.jpg"))
        page.wait_for_selector("[data-testid=unpriced-complete-form] h2:text('What was done about the emergency')")
        synced(page)  # the steps so far are in: no redraw moves the form under the screenshot
        page.evaluate("() => document.querySelector('[data-testid=unpriced-complete-form]').scrollIntoView()")
        page.screenshot(path=str(SHOTS / "tech-emergency-on-site-phone-en.png"))
        page.click("[data-testid=complete]")
        page.wait_for_selector("[data-testid=job-screen][data-status=completed] [data-testid=unpriced-done]")
        assert page.locator("[data-testid=hand-to-customer]").count() == 0  # nobody was there: nobody to sign
        page.set_viewport_size(TABLET)
        synced(page)
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / "tech-emergency-done-tablet-en.png"))
    finally:
        ctx.close()

    office = as_user("disp")
    for order_id, present in ((help_id, "保安李师傅、家属张女士"), (emergency_id, None)):
        order = office.order(order_id)
        assert order["status"] == "completed", order["status"]
        assert (order["scope"], order["labor_fee"], order["material_fee"], order["consent"]) == (None, None, None, None)
        assert order["people_present"] == present
        assert [e["name"] for e in order["events"] if e["name"] in ("confirm_scope", "complete")] == ["complete"]
    assert [p["kind"] for p in office.order(emergency_id)["photos"]] == ["damage"]
    assert office.ok("call_back", work_order_id=help_id, reached=True, satisfied=True, comment="家属致谢")["status"] == "closed"
    assert not errors, errors
