"""The monitoring room in real Chromium against the real server and a real Mosquitto: one guard's acknowledgement
reaches a second guard's board and the supervisor's queue live, with no reload; boards name the site, and a
sensor-made order, its alarm notes and a dead letter read in each reader's language; a guard offline sees the
shift running and the handover waiting (shifts are synced); after hours a guard who records a report is back on
the alarm board, where it waits to be dispatched."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.monitoring_room import build_monitoring_room
from tests.pwa.app_steps import sign_in, synced, wait_for_the_service_worker, wait_in_page, wait_until
from tests.pwa.conftest import PWA_DIR
from tests.pwa.test_handover_against_the_server import closed_office_hours

SCREENSHOTS = PWA_DIR.parent / "tests" / "pwa" / "screenshots"
# Less than the boards' fallback polls (guard 15 s, supervisor 30 s): what arrives sooner came by the event stream.
LIVE_S = 10


@pytest.fixture
def room_server(alarm_server, tmp_path):
    build_monitoring_room(tmp_path)
    return alarm_server


def on_shift(ctx: BrowserContext, url: str, username: str) -> Page:
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


def test_one_guards_acknowledgement_reaches_the_other_guard_and_the_supervisor_live_in_their_languages(
        browser: Browser, room_server, publisher) -> None:  # noqa: F811
    server = room_server(FIELDOPS_ESCALATE_AFTER_S="2")
    errors: list[str] = []
    phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    tablet = browser.new_context(locale="en-US", viewport={"width": 1024, "height": 768})
    office = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
    try:
        first, second = on_shift(phone, server.url, "guard"), on_shift(tablet, server.url, "guard_b")
        boss = office.new_page()
        sign_in(boss, server.url, "boss", "[data-testid=supervisor-screen]")
        for p in (first, second, boss):
            p.on("pageerror", lambda e: errors.append(str(e)))

        publisher.publish("fieldops/north/x-1/event", b"{not json")  # a dead letter the supervisor reads in Chinese
        publisher.publish("fieldops/north/leak-b2/event", json.dumps({"kind": "water_leak", "active": True, "zone": "B2 泵房"}))
        alarm_id = first.wait_for_selector("[data-testid=alarm-item]", timeout=LIVE_S * 1000).get_attribute("data-alarm-id")
        second.wait_for_selector(item(alarm_id), timeout=LIVE_S * 1000)
        # the site by its name, never its id
        assert first.locator(f"{item(alarm_id)} [data-testid=alarm-place]").inner_text() == "North Court · 区域 B2 泵房"
        assert second.locator(f"{item(alarm_id)} [data-testid=alarm-place]").inner_text() == "North Court · zone B2 泵房"
        # nobody acknowledged within 2 s: it joins the supervisor's queue (at the next_due_at the queue announced)
        boss.wait_for_selector(f"[data-testid=escalation-item][data-alarm-id='{alarm_id}']", timeout=LIVE_S * 1000)
        boss.wait_for_selector("[data-testid=dead-letter]")
        assert "消息不是可读的 JSON" in boss.locator("[data-testid=dead-letter]").inner_text()

        first.click(f"{item(alarm_id)} [data-testid=alarm-ack]")
        # the other guard's board and the supervisor's queue change with no reload, before any fallback poll
        second.wait_for_selector(f"{item(alarm_id)} [data-testid=alarm-acked]", timeout=LIVE_S * 1000)
        boss.wait_for_selector(f"[data-testid=escalation-item][data-alarm-id='{alarm_id}']", state="detached", timeout=LIVE_S * 1000)
        assert second.locator(f"{item(alarm_id)} [data-testid=alarm-ack]").count() == 0
        second.screenshot(path=str(SCREENSHOTS / "guard-acked-live-tablet-en.png"))
        boss.screenshot(path=str(SCREENSHOTS / "supervisor-after-ack-tablet-zh-CN.png"), full_page=True)

        # the sensor-made order and the acknowledgement's note, each in its reader's language
        order_href = first.locator(f"{item(alarm_id)} [data-testid=alarm-order]").get_attribute("href")
        synced(second)
        second.goto(f"{server.url}/{order_href}")
        second.wait_for_selector("[data-testid=job-screen]")
        wait_until(second, "document.querySelector('[data-testid=note]') !== null", what="the acknowledgement's note in the replica")
        assert second.locator("h1").inner_text() == "Water leak — B2 泵房"
        assert second.locator("[data-testid=fact-description]").inner_text().startswith("Raised by a sensor at North Court, B2 泵房 (Water leak)")
        assert "Alarm acknowledged by Guard: Water leak, B2 泵房" in second.locator("[data-testid=note-list]").inner_text()
        synced(first)
        first.goto(f"{server.url}/{order_href}")
        first.wait_for_selector("[data-testid=job-screen]")
        wait_until(first, "document.querySelector('[data-testid=note]') !== null", what="the note on the phone")
        assert first.locator("h1").inner_text() == "漏水报警 — B2 泵房"
        description = first.locator("[data-testid=fact-description]").inner_text()
        assert description.startswith("North Court B2 泵房 的传感器报警（漏水报警）") and "Raised" not in description
        notes = first.locator("[data-testid=note-list]").inner_text()
        assert "Guard 已确认报警：漏水报警，B2 泵房" in notes and "acknowledged" not in notes
        assert first.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        first.screenshot(path=str(SCREENSHOTS / "guard-sensor-order-phone-zh-CN.png"), full_page=True)
    finally:
        phone.close()
        tablet.close()
        office.close()
    assert not errors, errors


def test_a_guard_offline_sees_the_shift_running_and_the_handover_waiting(browser: Browser, start_server, tmp_path) -> None:
    build_monitoring_room(tmp_path)
    server = start_server(env={"FIELDOPS_MQTT_URL": "off"})
    leaving, relief = server.login("guard"), server.login("guard_b")
    leaving.ok("start_shift", site_id="north")
    leaving.ok("end_shift", site_id="north", handover_note="前台钥匙已交，B2 泵房待复查")
    relief.ok("start_shift", site_id="north")  # on another phone: this one has never started it
    errors: list[str] = []
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, server.url, "guard_b", "[data-testid=guard-screen]")
        wait_for_the_service_worker(page)
        synced(page)
        page.wait_for_selector("[data-testid=shift-state]")
        ctx.set_offline(True)
        page.reload()
        page.wait_for_selector("[data-testid=guard-screen]")
        # from the synced shifts alone: on duty at North Court, and Guard's handover waiting to be confirmed
        assert page.locator("[data-testid=shift-state]").inner_text() == "在岗：North Court"
        handover = page.wait_for_selector("[data-testid=handover-item]")
        assert "前台钥匙已交，B2 泵房待复查" in handover.inner_text() and "Guard" in handover.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "guard-offline-handover-phone-zh-CN.png"), full_page=True)
        page.click("[data-testid=receive-handover]")
        page.wait_for_selector("[data-testid=handover-received]")
        ctx.set_offline(False)
        synced(page)
    finally:
        ctx.close()
    [ended] = [s for s in relief.get("/api/v1/shifts", params={"site_id": "north"}).json() if s["ended_at"]]
    assert ended["handover"]["received_by"] == relief.user["id"]
    assert not errors, errors


def test_after_hours_a_guard_who_records_a_report_is_back_on_the_alarm_board_and_dispatches_it(
        browser: Browser, room_server) -> None:  # noqa: F811
    server = room_server(FIELDOPS_OFFICE_HOURS=closed_office_hours())
    errors: list[str] = []
    ctx = browser.new_context(locale="en-US", viewport={"width": 360, "height": 740})
    try:
        page = on_shift(ctx, server.url, "guard")
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.click("[data-testid=guard-new-report]")
        page.wait_for_selector("[data-testid=report-form]")
        page.fill("[data-testid=report-unit]", "3-1202")
        page.select_option("[data-testid=report-category]", "repair")
        page.fill("[data-testid=report-title]", "Burst pipe under the sink")
        page.click("[data-testid=report-submit]")
        page.wait_for_selector("[data-testid=guard-screen]")  # the guard's own board, not the dispatcher's
        assert page.evaluate("location.hash") == "#/alarms"
        report = page.wait_for_selector("[data-testid=report-item]", timeout=LIVE_S * 1000)
        assert "Burst pipe under the sink" in report.inner_text()
        assert sorted(page.locator("[data-testid=report-item] [data-testid=dispatch-technician] option").all_inner_texts()) == ["Tech", "Tech_B"]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SCREENSHOTS / "guard-report-to-dispatch-phone-en.png"), full_page=True)
        order_id = report.get_attribute("data-order-id")
        page.select_option("[data-testid=report-item] [data-testid=dispatch-technician]", label="Tech")
        page.click("[data-testid=report-item] [data-testid=alarm-dispatch]")
        page.wait_for_selector("[data-testid=report-item] [data-testid=alarm-dispatched]", timeout=LIVE_S * 1000)
        synced(page)
        assert page.evaluate("import('/js/db.js').then((db) => db.listRejections())") == []
    finally:
        ctx.close()
    order = server.login("guard").order(order_id)
    assert order["status"] == "dispatched" and order["assignee_id"] == server.login("tech").user["id"]
    assert not errors, errors
