"""Screenshots of the dispatcher's console (board, order view, report form) at 360 px and on a tablet, in
zh-CN and en, taken on a seeded replica with the clock, zone and viewport fixed so every run writes the
same pictures; each screen is checked for what it must show before it is photographed."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.pwa.conftest import StaticServer
from tests.pwa.seeded_replica import ORDER, go, seed

SHOTS = Path(__file__).parent / "screenshots"
FROZEN_AT = datetime(2026, 11, 23, 9, 2, 0, tzinfo=timezone.utc)
SIZES = {"tablet": {"width": 1024, "height": 768}, "phone": {"width": 360, "height": 740}}

DISPATCHER = {"id": "u-disp", "name": "客服小陈", "role": "dispatcher", "site_ids": ["lotus", "plum"]}
PEOPLE = [
    {"id": "u-disp", "name": "客服小陈", "role": "dispatcher", "site_ids": ["lotus", "plum"]},
    {"id": "u-tech", "name": "李师傅", "role": "technician", "site_ids": ["lotus"]},
    {"id": "u-tech2", "name": "王师傅", "role": "technician", "site_ids": ["lotus"]},
    {"id": "u-plum", "name": "赵师傅", "role": "technician", "site_ids": ["plum"]},
]
SITES = [{"id": "lotus", "name": "荷花苑"}, {"id": "plum", "name": "梅园大厦"}]
NEW_COMPLAINT = {**ORDER, "id": "0190f2a4-7b1c-7000-8000-00000000c001", "status": "new", "assignee_id": None, "category": "complaint",
                 "complaint_level": "important", "priority": "normal", "channel": "visit", "title": "楼道卫生差", "unit": "5栋", "site_id": "lotus",
                 "complaint": {"about": "保洁班", "happened": "一周未清扫", "wants": "每天清扫"},
                 "sla": [{"step": "dispatch", "target_s": 120, "elapsed_s": 60, "met": None}]}
DEFERRED = {**ORDER, "id": "0190f2a4-7b1c-7000-8000-00000000c002", "status": "deferred", "title": "暖气片不热", "unit": "6-601",
            "defer_reason": "配件在路上", "promised_at": "2026-11-25T01:30:00Z", "channel": "phone"}
HELP = {**ORDER, "id": "0190f2a4-7b1c-7000-8000-00000000c003", "status": "new", "assignee_id": None, "site_id": "plum", "category": "help",
        "help_kind": "medical", "priority": "urgent", "channel": "department", "title": "老人摔倒", "unit": "8-1"}
DISPUTED = {**ORDER, "id": "0190f2a4-7b1c-7000-8000-00000000c004", "status": "disputed", "title": "卫生间漏水到楼下", "unit": "7-302",
            "category": "complaint", "complaint_level": "major", "channel": "phone", "contacted_at": "2026-11-22T23:58:00Z",
            "requested_at": "2026-11-23T02:00:00Z", "scope": "更换防水层", "labor_fee": 12000, "material_fee": 8000,
            "summary": "已更换防水层", "complaint": {"about": "维修班", "happened": "修了两次还漏", "wants": "彻底修好并赔偿"},
            "consent": {"customer_name": "王女士", "occurred_at": "2026-11-23T03:00:00Z", "signature_sha256": None},
            "signature": {"signer_name": "王女士", "accepted": False, "comment": "楼下还在滴水", "signed_at": "2026-11-23T06:00:00Z",
                          "signature_sha256": None, "pending": True},
            "call_backs": [{"id": 1, "actor_id": "u-disp", "reached": False, "satisfied": None, "comment": "无人接听",
                            "occurred_at": "2026-11-23T07:00:00Z", "recorded_at": "2026-11-23T07:00:01Z"}],
            "conflicts": [{"id": 7, "code": "invalid_status", "message": "accept from Li's device was refused: cannot accept: the order is disputed",
                           "mutation": "accept", "actor_id": "u-tech", "client_id": "tablet-1", "mutation_id": 12,
                           "occurred_at": "2026-11-23T05:10:00Z", "created_at": "2026-11-23T08:40:00Z", "resolved_at": None}],
            "sla": [{"step": "call_back", "target_s": 604800, "elapsed_s": 10000, "met": None}]}
SIGNED = {**ORDER, "id": "0190f2a4-7b1c-7000-8000-00000000c005", "status": "signed_off", "title": "更换入户门锁", "unit": "2-1101",
          "sla": [{"step": "call_back", "target_s": 604800, "elapsed_s": 3600, "met": None}]}
OBJECTS = ([("user", p) for p in PEOPLE] + [("site", s) for s in SITES]
           + [("work_order", o) for o in (NEW_COMPLAINT, DEFERRED, HELP, DISPUTED, SIGNED)])


@pytest.fixture
def console(browser: Browser, pwa_server: StaticServer) -> Iterator:
    contexts = []

    def open_(lang: str, size: str) -> Page:
        ctx = browser.new_context(locale=lang, timezone_id="Asia/Shanghai", viewport=SIZES[size], device_scale_factor=1, service_workers="block")
        contexts.append(ctx)
        page = ctx.new_page()
        page.clock.set_fixed_time(FROZEN_AT)
        page.goto(pwa_server.url + "/")
        page.wait_for_selector("html[data-ready=true]")
        seed(page, DISPATCHER, OBJECTS)
        ctx.set_offline(True)
        return page

    yield open_
    for ctx in contexts:
        ctx.close()


def shoot(page: Page, name: str) -> None:
    # nothing of the console runs off the side of a 360-px phone (the SLA table is the board's own, scrolled in place)
    wide = page.evaluate("""() => [...document.querySelectorAll('#screen *')].filter((el) => !el.closest('table.sla'))
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((el) => el.dataset.testid || el.tagName)""")
    assert wide == [], (name, wide[:10])
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled", caret="hide")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("size", ["tablet", "phone"])
def test_the_dispatchers_console_is_photographed(console, lang: str, size: str) -> None:
    page = console(lang, size)
    go(page, "#/board", "dispatcher-screen")
    help_row = page.locator(f"[data-testid=dispatch-item][data-order-id='{HELP['id']}'] [data-testid=dispatch-technician] option")
    assert help_row.count() == 1 and "赵师傅" in help_row.inner_text()  # only the plum site's technician
    assert page.locator(f"[data-testid=dispatch-item][data-order-id='{DEFERRED['id']}'] [data-testid=deferred-note]").count() == 1
    conflict = page.locator("[data-testid=review-conflict]")
    assert conflict.count() == 1 and conflict.locator("[data-testid=offline-marker]").count() == 1
    assert "cannot accept" not in conflict.inner_text()
    assert page.locator("[data-testid=callback-item]").count() == 2  # the signed-off lock and the disputed complaint; due dates come when online
    shoot(page, f"dispatcher-console-{size}-{lang}")

    go(page, f"#/job/{DISPUTED['id']}", "disputed-next")
    assert page.locator("[data-testid=accept]").count() == 0 and page.locator("[data-testid=callback-attempt]").count() == 1
    shoot(page, f"dispatcher-order-{size}-{lang}")

    go(page, "#/report", "report-form")
    page.select_option("[data-testid=report-category]", "complaint")
    page.fill("[data-testid=report-rework-search]", "7-3")
    page.wait_for_selector("[data-testid=report-rework-pick]")
    shoot(page, f"dispatcher-report-{size}-{lang}")
