"""Screenshots of the monthly report screen (phone 360 px and tablet, zh-CN and en) for the READMEs.

Like tests/pwa/test_screenshots.py they are taken on a fixed world so every run writes the same
pictures: the replica is seeded and the report is one fixed answer in the shape the server gives
(server/reports/monthly.py) — the behaviour against the real server is tests/pwa/test_month_report_against_the_server.py.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.pwa.conftest import StaticServer
from tests.pwa.seeded_replica import go, seed
from tests.pwa.test_screenshots import SHOTS, shoot

FROZEN_AT = datetime(2026, 11, 3, 2, 0, 0, tzinfo=timezone.utc)
PHONE = {"width": 360, "height": 740}
TABLET = {"width": 800, "height": 1280}
DISPATCHER = {"id": "u-disp", "name": "客服小陈", "role": "dispatcher", "site_ids": ["lotus", "pine"]}
SITES = [("site", {"id": "lotus", "name": "荷花苑"}), ("site", {"id": "pine", "name": "松涛园"})]


def miss(no: str, title: str, **extra: object) -> dict:
    return {"work_order_id": f"0190f2a4-7b1c-7000-8000-000000{no.lower()}", "order_no": no, "site_id": "lotus", "site_name": "荷花苑",
            "title": title, "assignee_id": "u-tech", "assignee_name": "李师傅", **extra}


ON_TIME = {"record": (40, 42), "reply": (5, 5), "dispatch": (41, 42), "arrive": (38, 41), "feedback": (39, 40), "resolve": (36, 40), "call_back": (9, 10)}
REPORT = {
    "month": "2026-10", "site_id": "lotus", "site_name": "荷花苑",
    "counts": {"by_category": {"repair": 31, "complaint": 4, "help": 5, "emergency": 2},
               "by_priority": {"normal": 30, "urgent": 9, "emergency": 3}, "total": 42, "cancelled": 1},
    "on_time": {step: round(met / due, 4) for step, (met, due) in ON_TIME.items()},
    "rework_rate": round(1 / 33, 4), "call_back_rate": 0.9,
    "complaints": {"by_level": {"minor": 2, "important": 1, "major": 1}, "resolved_in_time": 0.75,
                   "resolved_in_time_by_level": {"minor": 1.0, "important": 0.0, "major": 1.0}},
    "alarm_ack_s": {"p50": 48.0, "p90": 185.0, "acked": 12, "unacked": 0},
    "on_time_counts": {step: {"met": met, "due": due} for step, (met, due) in ON_TIME.items()},
    "rework_counts": {"reworks": 1, "jobs": 33}, "call_back_counts": {"called": 9, "owed": 10},
    "misses": {
        "dispatch": [miss("00A101", "楼道灯不亮", assignee_id=None, assignee_name=None, elapsed_s=420, target_s=120)],
        "arrive": [miss("00A102", "厨房水龙头漏水", elapsed_s=1260, target_s=300), miss("00A103", "卫生间堵塞", elapsed_s=2220, target_s=900),
                   miss("00A104", "阳台门关不上", elapsed_s=4980, target_s=900)],
        "feedback": [miss("00A105", "更换入户门锁", elapsed_s=5400, target_s=1200)],
        "resolve": [miss("00A106", "外墙渗水", elapsed_s=5 * 86400 + 3 * 3600, target_s=3 * 86400)],
        "call_back": [], "rework": [miss("00A107", "水龙头又漏了", rework_of="0190f2a4-7b1c-7000-8000-00000000a102", rework_of_no="00A102")],
        "not_called_back": [miss("00A108", "电梯噪音", fixed_at="2026-10-14T06:30:00.000000Z")],
        "complaints_late": [miss("00A108", "电梯噪音", complaint_level="important", resolve_by="2026-10-16T14:30:00.000000Z",
                                 completed_at="2026-10-17T14:30:00.000000Z")],
    },
    "window": {"start": "2026-09-30T16:00:00.000000Z", "end": "2026-10-31T16:00:00.000000Z", "time_zone": "Asia/Shanghai"},
    "generated_at": "2026-11-03T02:00:00.000000Z",
}


@pytest.fixture
def report_screen(browser: Browser, pwa_server: StaticServer) -> Iterator:
    contexts = []

    def start(viewport: dict, lang: str) -> Page:
        ctx = browser.new_context(locale=lang, timezone_id="Asia/Shanghai", viewport=viewport, device_scale_factor=1, service_workers="block")
        contexts.append(ctx)
        page = ctx.new_page()
        page.clock.set_fixed_time(FROZEN_AT)
        page.route("**/api/v1/reports/monthly?*", lambda route: route.fulfill(json=REPORT) if route.request.headers.get("authorization")
                   else route.fulfill(status=401, json={"error": {"code": "unauthorized", "message": "no token"}}))
        page.route("**/api/v1/sync/**", lambda route: route.abort())  # no server here: the app stays on what it holds
        page.goto(pwa_server.url + "/")
        page.wait_for_selector("html[data-ready=true]")
        seed(page, DISPATCHER, SITES)
        page.evaluate("lang => { localStorage.setItem('fieldops.lang', lang); }", lang)
        page.reload()
        page.wait_for_selector("html[data-ready=true]")
        go(page, "#/month/2026-10/lotus", "month-report")
        return page

    yield start
    for ctx in contexts:
        ctx.close()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("size, viewport", [("phone", PHONE), ("tablet", TABLET)])
def test_the_monthly_report_screen_is_photographed(report_screen, lang: str, size: str, viewport: dict) -> None:
    page = report_screen(viewport, lang)
    heading = {"zh-CN": "月度服务报告：2026-10，荷花苑", "en": "Monthly service report: 2026-10, 荷花苑"}[lang]
    assert page.inner_text("[data-testid=month-heading]") == heading
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shoot(page, f"month-report-{size}-{lang}", full_page=True)
