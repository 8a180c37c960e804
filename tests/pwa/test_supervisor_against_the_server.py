"""The supervisor's console in Chromium against the real server and a real Mosquitto: an unacknowledged
alarm and a serious complaint arrive on the escalation queue live (no reload, before the fallback poll)
and are acknowledged and taken over from it; a sensor registered in the UI then raises an alarm from a
real MQTT publish, placed by the registry, and is edited and retired there; an unreadable payload
shows among the site's dead letters."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Browser, Page

from tests.live_server import LiveServer, new_order_args
from tests.pwa.app_steps import sign_in, synced, wait_in_page
from tests.sensor_fixtures import wait_for

FALLBACK_POLL_S = 30  # pwa/js/screens/console.js FALLBACK_MS: what the queue would be without the stream


def supervisor_console(browser: Browser, server: LiveServer, errors: list[str]) -> Page:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1200})
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, server.url, "boss", "[data-testid=supervisor-screen]")  # a supervisor's home is the console
    page.wait_for_selector("[data-testid=escalations-empty]")
    return page


def test_an_escalation_arrives_on_the_queue_live_and_is_acknowledged_or_taken_over_from_it(browser: Browser, alarm_server, publisher) -> None:
    server = alarm_server(FIELDOPS_ESCALATE_AFTER_S="2", FIELDOPS_ESCALATION_POLL_S="0.5")
    errors: list[str] = []
    page = supervisor_console(browser, server, errors)
    try:
        opened = time.monotonic()
        publisher.publish("fieldops/north/leak-b2/event", json.dumps({"kind": "water_leak", "active": True, "zone": "B2 泵房"}))
        item = page.wait_for_selector("[data-testid=escalation-item][data-kind=alarm_unacknowledged]", timeout=20000)
        assert time.monotonic() - opened < FALLBACK_POLL_S  # the stream and the due time brought it, not the poll
        text = item.inner_text()
        assert "报警无人确认" in text and "漏水" in text and "B2 泵房" in text and "North Court" in text
        assert "等待：确认收到报警" in text and "已超时" in text
        alarm_id = item.get_attribute("data-alarm-id")
        # a locator, not the handle: the live queue redraws on every event of the stream (orders, alarms, shifts)
        page.click(f"[data-testid=escalation-item][data-alarm-id='{alarm_id}'] [data-testid=escalation-ack]")
        page.wait_for_selector("[data-testid=escalations-empty]")
        assert page.inner_text("[data-testid=queue-status]") == "报警已确认。"

        # a complaint recorded by the service centre: the escalation timer fires and the stream tells the open console
        disp = server.login("disp")
        complaint = disp.ok("create_work_order", **new_order_args("north", category="complaint", complaint_level="important",
                                                                    title="夜间施工噪音"))
        opened = time.monotonic()
        row = page.wait_for_selector(f"[data-testid=escalation-item][data-order-id='{complaint['id']}']", timeout=20000)
        assert time.monotonic() - opened < FALLBACK_POLL_S
        assert "收到重要投诉" in row.inner_text() and "等待：受理并派单" in row.inner_text() and "重要" in row.inner_text()
        # take over: the board, with this order in focus
        page.click(f"[data-testid=escalation-item][data-order-id='{complaint['id']}'] [data-testid=escalation-dispatch]")
        focus = f"[data-testid=dispatch-item][data-order-id='{complaint['id']}'].focus"
        page.wait_for_selector(focus)
        tech = server.login("tech").user["id"]
        page.select_option(f"{focus} [data-testid=dispatch-technician]", tech)
        page.click(f"{focus} [data-testid=dispatch-submit]")
        synced(page)
        page.click("[data-testid=home-link]")  # the top bar's home is the supervisor's console
        page.wait_for_selector("[data-testid=escalations-empty]")
    finally:
        page.context.close()
    boss = server.login("boss")
    alarm = boss.get(f"/api/v1/alarms/{alarm_id}").json()
    assert alarm["acked_by"] == boss.user["id"], alarm
    order = boss.order(complaint["id"])
    assert order["status"] == "dispatched" and order["assignee_id"] == tech
    assert not errors, errors


def test_a_device_registered_in_the_console_raises_an_alarm_placed_by_the_registry(browser: Browser, alarm_server, publisher) -> None:
    server = alarm_server(FIELDOPS_ESCALATE_AFTER_S="1")
    errors: list[str] = []
    page = supervisor_console(browser, server, errors)
    try:
        page.click("[data-testid=nav-devices]")
        page.wait_for_selector("[data-testid=devices-screen]")
        page.fill("[data-testid=device-id]", "leak-ui-1")
        page.select_option("[data-testid=device-site]", "north")
        page.fill("[data-testid=device-zone]", "B2 水泵房")
        page.select_option("[data-testid=device-kind]", "water_leak")
        page.select_option("[data-testid=device-source]", "native")
        page.click("[data-testid=device-submit]")
        device = page.wait_for_selector("[data-testid=device-item][data-device-id=leak-ui-1]")
        assert "尚未收到消息" in device.inner_text()
        assert page.inner_text("[data-testid=devices-status]") == "设备 leak-ui-1 已登记。"

        publisher.publish("fieldops/north/panel-x/event", b"{oops")  # a payload nobody can read: kept, shown to the supervisor
        # the sensor names no zone: the registry says where it is
        publisher.publish("fieldops/north/leak-ui-1/event", json.dumps({"kind": "water_leak", "active": True, "battery": 88}))
        page.click("[data-testid=nav-supervisor]")
        item = page.wait_for_selector("[data-testid=escalation-item][data-kind=alarm_unacknowledged]", timeout=20000)
        assert "B2 水泵房" in item.inner_text() and "North Court" in item.inner_text()
        letter = page.wait_for_selector("[data-testid=dead-letter]:has-text('fieldops/north/panel-x/event')")
        assert "{oops" in letter.inner_text() and "原因：" in letter.inner_text()

        page.click("[data-testid=nav-devices]")
        device = page.wait_for_selector("[data-testid=device-item][data-device-id=leak-ui-1] [data-testid=device-battery]")
        assert device.inner_text() == "电量 88%"
        assert page.inner_text("[data-testid=device-item][data-device-id=leak-ui-1] [data-testid=device-online]") == "在线"
        row = "[data-testid=device-item][data-device-id=leak-ui-1]"
        page.click(f"{row} [data-testid=device-edit]")
        page.fill(f"{row} [data-testid=device-edit-zone]", "B3 水泵房")
        page.select_option(f"{row} [data-testid=device-edit-kind]", "smoke")
        page.click(f"{row} [data-testid=device-save]")
        page.wait_for_selector("[data-testid=devices-status]:has-text('设备 leak-ui-1 已更新。')")
        moved = wait_for(lambda: [d for d in server.login("boss").get("/api/v1/devices").json() if d["zone"] == "B3 水泵房"], what="moved")
        assert (moved[0]["id"], moved[0]["kind"]) == ("leak-ui-1", "smoke")

        page.click(f"{row} [data-testid=device-retire-open]")
        page.click(f"{row} [data-testid=device-retire]")
        wait_in_page(page, lambda: page.locator(row).count() == 0, what="the retired device gone from the list")
    finally:
        page.context.close()
    assert [d["id"] for d in server.login("boss").get("/api/v1/devices").json()] == []
    alarms = server.login("boss").get("/api/v1/alarms").json()
    assert [(a["device_id"], a["site_id"], a["zone"]) for a in alarms] == [("leak-ui-1", "north", "B2 水泵房")]
    assert not errors, errors
