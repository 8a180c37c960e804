"""Screenshots of the main screens for the READMEs, taken while driving the app on a seeded replica
with the clock, time zone, language and viewport fixed, so every run writes the same pictures."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.pwa.app_steps import draw_signature, photo_file
from tests.pwa.conftest import StaticServer
from tests.pwa.seeded_replica import ALARM, LATER, ORDER, TECH, go, seed

SHOTS = Path(__file__).parent / "screenshots"
FROZEN_AT = datetime(2026, 11, 23, 9, 2, 0, tzinfo=timezone.utc)  # 17:02 in Shanghai: ORDER's arrival is 2 min overdue
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 800, "height": 1280}  # the 10-inch tablet the customer signs on, portrait
DESK = {"width": 1280, "height": 800}

GUARD = {"id": "u-guard", "name": "张保安", "role": "guard", "site_ids": ["lotus"]}
DISPATCHER = {"id": "u-disp", "name": "客服小陈", "role": "dispatcher", "site_ids": ["lotus"]}
SMOKE = {**ALARM, "id": "al-2", "device_id": "smoke-12f", "kind": "smoke", "zone": "12F 电梯厅", "count": 1,
         "state": "cleared", "acked_by": "u-guard", "acked_at": "2026-11-23T07:41:10Z",
         "first_seen": "2026-11-23T07:40:00Z", "last_seen": "2026-11-23T07:40:00Z", "work_order_id": "wo-em-0"}
NEW_REPORT = {**LATER, "id": "0190f2a4-7b1c-7000-8000-00000000b003", "status": "new", "assignee_id": None,
              "title": "卫生间漏水到楼下", "unit": "7栋302", "category": "complaint", "priority": "urgent",
              "created_at": "2026-11-23T08:58:00Z", "dispatched_at": None,
              "sla": [{"step": "dispatch", "target_s": 600, "elapsed_s": 240, "met": None, "due_at": "2026-11-23T09:08:00Z"}]}
SIGNED = {**ORDER, "id": "0190f2a4-7b1c-7000-8000-00000000b004", "status": "signed_off", "title": "更换入户门锁",
          "unit": "2栋1101", "created_at": "2026-11-23T07:00:00Z", "dispatched_at": "2026-11-23T07:02:00Z",
          "arrived_at": "2026-11-23T07:30:00Z", "completed_at": "2026-11-23T07:50:00Z",
          "signed_off_at": "2026-11-23T08:02:00Z",
          "sla": [{"step": "call_back", "target_s": 86400, "elapsed_s": 3600, "met": None, "due_at": "2026-11-24T08:02:00Z"}]}


@pytest.fixture
def open_app(browser: Browser, pwa_server: StaticServer) -> Iterator:
    """A page of the app at a fixed moment and size, offline, with no service worker (nothing installs mid-shot)."""
    contexts = []

    def start(viewport: dict, user: dict, objects: list[tuple[str, dict]]) -> Page:
        ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport,
                                  device_scale_factor=1, service_workers="block")
        contexts.append(ctx)
        page = ctx.new_page()
        page.clock.set_fixed_time(FROZEN_AT)
        page.goto(pwa_server.url + "/")
        page.wait_for_selector("html[data-ready=true]")
        seed(page, user, objects)
        ctx.set_offline(True)
        return page

    yield start
    for ctx in contexts:
        ctx.close()


def shoot(page: Page, name: str, full_page: bool = False) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top of the picture
    # every thumbnail decoded and painted: a picture taken mid-decode differs in its antialiased corners
    page.evaluate("""async () => {
      await Promise.all([...document.images].map((img) => img.decode().catch(() => null)));
      await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    }""")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page, animations="disabled", caret="hide")


def test_the_technicians_day_the_job_and_the_customers_sign_off_are_photographed(open_app, tmp_path: Path) -> None:
    page = open_app(PHONE, TECH, [("work_order", ORDER), ("work_order", LATER), ("site", {"id": "lotus", "name": "荷花苑"})])
    go(page, "#/jobs", "jobs-screen")
    # the clock stands still: the urgent job is 2 minutes late arriving, the other has 14 minutes left
    assert page.locator("[data-testid=countdown]").all_inner_texts() == ["到场 · 超时 02:00", "到场 · 剩余 14:00"]
    shoot(page, "technician-jobs")

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
    page.select_option("[data-testid=photo-kind]", "cleanup")
    page.set_input_files("[data-testid=photo-input]", str(photo_file(tmp_path / "cleanup.png", (1200, 900), (200, 180, 160))))
    page.wait_for_selector("[data-testid=photo-thumb]")
    page.fill("[data-testid=note-text]", "阀芯老化")
    page.click("[data-testid=note-submit]")
    page.wait_for_selector("[data-testid=note]")
    assert "11/23 17:02:00" in page.locator("[data-testid=note]").inner_text()
    page.fill("[data-testid=summary]", "已更换阀芯，不再滴水，现场已清理")
    page.click("[data-testid=complete]")
    page.wait_for_selector("[data-testid=hand-to-customer]")
    shoot(page, "technician-job", full_page=True)

    page.set_viewport_size(TABLET)  # the technician hands the tablet over
    page.click("[data-testid=hand-to-customer]")
    page.fill("[data-testid=signer-name]", "王女士")
    draw_signature(page)
    assert page.locator("[data-testid=doc-total]").inner_text() == "¥85.50"
    shoot(page, "customer-sign-off", full_page=True)


def test_the_guards_alarm_board_is_photographed(open_app) -> None:
    page = open_app(PHONE, GUARD, [("alarm", ALARM), ("alarm", SMOKE)])
    go(page, "#/alarms", "guard-screen")
    page.click("[data-testid=start-shift]")
    page.wait_for_selector("[data-testid=shift-state]")
    assert page.locator("[data-testid=alarm-item]").count() == 2
    shoot(page, "guard-alarms", full_page=True)


def test_the_dispatchers_board_is_photographed(open_app) -> None:
    overdue = {**ORDER, "status": "accepted"}
    page = open_app(DESK, DISPATCHER, [("work_order", overdue), ("work_order", LATER), ("work_order", NEW_REPORT),
                                       ("work_order", SIGNED), ("alarm", ALARM), ("site", {"id": "lotus", "name": "荷花苑"}),
                                       ("user", {"id": "u-tech", "name": "李师傅", "role": "technician"})])
    go(page, "#/board", "dispatcher-screen")
    page.wait_for_selector("[data-testid=sla-row][data-overdue=true]")
    page.wait_for_selector("[data-testid=callback-item]")
    # the clock stands still: the most overdue first, each row's running step and time in words
    rows = page.eval_on_selector_all("[data-testid=sla-row]", "rows => rows.map((r) => [r.dataset.orderId, r.dataset.overdue,"
                                     " r.querySelector('[data-testid=sla-countdown]').textContent])")
    assert rows == [[ORDER["id"], "true", "到场 · 超时 02:00"], [NEW_REPORT["id"], "false", "派单 · 剩余 06:00"],
                    [LATER["id"], "false", "到场 · 剩余 14:00"], [SIGNED["id"], "false", "回访 · 剩余 23:00:00"]], rows
    assert NEW_REPORT["title"] in page.inner_text("[data-testid=dispatch-list]")  # the new report waits to be dispatched
    assert SIGNED["title"] in page.inner_text("[data-testid=callback-item]")  # the signed-off job waits for its call-back
    assert "荷花苑" in page.inner_text(f"[data-testid=sla-row][data-order-id='{ORDER['id']}']")  # the site's name, not its id
    shoot(page, "dispatcher-board", full_page=True)
