"""The change of shift in real Chromium against the real server and a real Mosquitto: a guard on duty
acknowledges and resolves a sensor alarm (still resolved after a reload), is warned before leaving an
unacknowledged alarm with nobody on duty, hands over to a second guard who confirms it; after office
hours the guard records a report and dispatches the emergency order to a technician of the site."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.monitoring_room import build_monitoring_room
from tests.pwa.app_steps import sign_in, synced, wait_in_page
from tests.pwa.conftest import PWA_DIR

SCREENSHOTS = PWA_DIR.parent / "tests" / "pwa" / "screenshots"


@pytest.fixture
def room_server(alarm_server, tmp_path):
    build_monitoring_room(tmp_path)  # alarm_server starts on tmp_path and keeps a database that is there
    return alarm_server


def alarm(sensor, kind: str, device: str, zone: str) -> None:
    sensor.publish(f"fieldops/north/{device}/event", json.dumps({"kind": kind, "active": True, "zone": zone}))


def on_shift(ctx: BrowserContext, url: str, username: str) -> Page:
    """Signed in, on duty at North Court, and the board's event stream open (alarms and their orders arrive live)."""
    page = ctx.new_page()
    streams: list[int] = []
    page.on("response", lambda r: "/api/v1/events/stream" in r.url and streams.append(r.status))
    sign_in(page, url, username, "[data-testid=guard-screen]")
    page.select_option("[data-testid=shift-site]", "north")
    page.click("[data-testid=start-shift]")
    page.wait_for_selector("[data-testid=shift-state]")
    synced(page)
    assert wait_in_page(page, lambda: streams, what="the board's event stream open")[0] == 200
    return page


def item(alarm_id: str) -> str:
    return f"[data-testid=alarm-item][data-alarm-id='{alarm_id}']"


def test_a_guard_resolves_an_alarm_for_good_and_hands_over_to_the_next_guard_who_confirms(
        browser: Browser, room_server, publisher) -> None:  # noqa: F811
    server = room_server()
    errors: list[str] = []
    first = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    second = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    try:
        page = on_shift(first, server.url, "guard")
        page.on("pageerror", lambda e: errors.append(str(e)))
        assert page.locator("[data-testid=shift-schedule]").inner_text().startswith("当前班次")

        alarm(publisher, "water_leak", "leak-b2", "B2 泵房")
        leak_id = page.wait_for_selector("[data-testid=alarm-item]", timeout=10000).get_attribute("data-alarm-id")
        page.click(f"{item(leak_id)} [data-testid=alarm-ack]")
        page.wait_for_selector(f"{item(leak_id)} [data-testid=alarm-acked]")
        page.fill(f"{item(leak_id)} [data-testid=resolve-note]", "阀门已关，积水已清")
        page.click(f"{item(leak_id)} [data-testid=alarm-resolve]")
        page.wait_for_selector(f"{item(leak_id)} [data-testid=alarm-resolved]")
        synced(page)
        page.reload()  # the server's record now: resolved stays resolved, with its note
        resolved = page.wait_for_selector(f"{item(leak_id)} [data-testid=alarm-resolved]")
        assert "阀门已关，积水已清" in resolved.inner_text()
        assert page.locator(f"{item(leak_id)} [data-testid=alarm-resolve]").count() == 0

        alarm(publisher, "smoke", "smoke-3f", "3F 走廊")
        page.wait_for_selector("[data-testid=alarm-item] >> text=烟雾", timeout=10000)
        smoke_id = page.locator("[data-testid=alarm-item]", has_text="烟雾").get_attribute("data-alarm-id")
        page.click("[data-testid=end-shift]")
        page.wait_for_selector("[data-testid=handover-screen]")
        # nobody else on duty and the smoke alarm unacknowledged: the guard is warned before going
        assert "1 个报警未确认" in page.locator("[data-testid=handover-warning]").inner_text()
        assert page.locator(f"[data-testid=handover-alarm][data-alarm-id='{smoke_id}']").is_visible()
        assert page.locator("[data-testid=end-shift-anyway]").is_visible()
        page.screenshot(path=str(SCREENSHOTS / "guard-handover-warning.png"))
        page.click("[data-testid=handover-back]")
        page.wait_for_selector("[data-testid=guard-screen]")

        relief = on_shift(second, server.url, "guard_b")
        relief.on("pageerror", lambda e: errors.append(str(e)))

        page.click("[data-testid=end-shift]")
        page.wait_for_selector("[data-testid=handover-screen]")
        assert page.locator("[data-testid=handover-warning]").count() == 0  # Guard B is on duty now
        assert "Guard B" in page.locator("[data-testid=handover-takes-over]").inner_text()
        page.fill("[data-testid=handover-note]", "3F 烟感报警未确认，请B岗到场查看")
        page.click("[data-testid=end-shift-confirm]")
        page.wait_for_selector("[data-testid=start-shift]")  # off duty: the board offers a new shift
        synced(page)

        relief.reload()
        handover = relief.wait_for_selector("[data-testid=handover-item]")
        assert "3F 烟感报警未确认，请B岗到场查看" in handover.inner_text() and "Guard" in handover.inner_text()
        relief.click("[data-testid=receive-handover]")
        relief.wait_for_selector("[data-testid=handover-received]")
        synced(relief)
        relief.click("[data-testid=shift-history-link]")
        record = relief.wait_for_selector("[data-testid=shift-record] >> text=确认接班")
        assert "Guard B" in record.inner_text()
    finally:
        first.close()
        second.close()
    guard_b = server.login("guard_b")
    [ended] = [s for s in guard_b.get("/api/v1/shifts", params={"site_id": "north"}).json() if s["ended_at"]]
    assert ended["handover"]["note"] == "3F 烟感报警未确认，请B岗到场查看"
    assert ended["handover"]["open_alarm_ids"] == [smoke_id]  # the resolved leak is not handed over
    assert ended["handover"]["received_by"] == guard_b.user["id"]
    leak = guard_b.get(f"/api/v1/alarms/{leak_id}").json()
    assert leak["resolution"] == "阀门已关，积水已清" and leak["resolved_at"]
    assert not errors, errors


def closed_office_hours() -> str:
    """Office hours that ended an hour ago in the company's zone, so the monitoring room has the line now."""
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    return f"{(local - timedelta(hours=3)).strftime('%H:%M')}-{(local - timedelta(hours=1)).strftime('%H:%M')}"


def test_after_office_hours_the_guard_dispatches_the_emergency_order_and_can_record_a_report(
        browser: Browser, room_server, publisher) -> None:  # noqa: F811
    server = room_server(FIELDOPS_OFFICE_HOURS=closed_office_hours())
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    errors: list[str] = []
    try:
        page = on_shift(ctx, server.url, "guard")
        page.on("pageerror", lambda e: errors.append(str(e)))
        assert "非办公时间" in page.locator("[data-testid=office-state]").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing runs off a phone's screen
        assert page.locator("[data-testid=guard-new-report]").get_attribute("href") == "#/report"

        alarm(publisher, "water_leak", "leak-roof", "屋顶水箱")
        leak_id = page.wait_for_selector("[data-testid=alarm-item]", timeout=10000).get_attribute("data-alarm-id")
        # the emergency order reaches the phone's replica by sync; then the board offers the site's technicians
        page.wait_for_selector(f"{item(leak_id)} [data-testid=dispatch-form]", timeout=20000)
        options = page.locator(f"{item(leak_id)} [data-testid=dispatch-technician] option").all_inner_texts()
        assert sorted(options) == ["Tech", "Tech_B"]  # North Court's, not South Tower's
        page.screenshot(path=str(SCREENSHOTS / "guard-after-hours.png"), full_page=True)
        page.select_option(f"{item(leak_id)} [data-testid=dispatch-technician]", label="Tech_B")
        page.click(f"{item(leak_id)} [data-testid=alarm-dispatch]")
        page.wait_for_selector(f"{item(leak_id)} [data-testid=alarm-dispatched]")
        synced(page)
        assert page.evaluate("import('/js/db.js').then((db) => db.listRejections())") == []

        page.click("[data-testid=guard-new-report]")
        page.wait_for_selector("[data-testid=report-form]")
    finally:
        ctx.close()
    guard = server.login("guard")
    leak = guard.get(f"/api/v1/alarms/{leak_id}").json()
    order = guard.order(leak["work_order_id"])
    tech_b = server.login("tech_b")
    assert order["status"] == "dispatched" and order["assignee_id"] == tech_b.user["id"]
    assert not errors, errors


def test_the_board_redrawn_by_a_new_alarm_keeps_the_guard_typing_where_they_were(
        browser: Browser, room_server, publisher) -> None:  # noqa: F811
    """A redraw (here: a second alarm arriving) does not take the keyboard away from a half-typed note."""
    server = room_server()
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    try:
        page = on_shift(ctx, server.url, "guard")
        alarm(publisher, "water_leak", "leak-b2", "B2 泵房")
        leak_id = page.wait_for_selector("[data-testid=alarm-item]", timeout=10000).get_attribute("data-alarm-id")
        page.click(f"{item(leak_id)} [data-testid=resolve-note]")
        page.keyboard.type("阀门已关")
        alarm(publisher, "smoke", "smoke-3f", "3F 走廊")
        page.wait_for_selector("[data-testid=alarm-item] >> text=烟雾", timeout=10000)  # the board was redrawn
        focused = page.evaluate_handle("document.activeElement")
        assert focused.get_attribute("data-testid") == "resolve-note"
        assert page.evaluate("document.activeElement.closest('[data-alarm-id]').dataset.alarmId") == leak_id
        page.keyboard.type("，积水已清")
        assert page.input_value(f"{item(leak_id)} [data-testid=resolve-note]") == "阀门已关，积水已清"
    finally:
        ctx.close()
