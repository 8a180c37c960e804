"""Screenshots of the supervisor's console, the device registry, the admin's console and the service targets, on a 360-px phone
and a 10-inch tablet, in Chinese and English, taken against the real server with a real alarm, a serious
complaint, overdue work, a dead letter and registered devices. The server's clock is live, so the times
in the pictures move from run to run; what each screen shows and how it lays out does not."""

from __future__ import annotations

import json
from datetime import timedelta

from pathlib import Path

from playwright.sync_api import Browser, Page

from server.clock import now
from tests.live_server import new_order_args
from tests.pwa.app_steps import sign_in
from tests.reports.history import History
from tests.sensor_fixtures import wait_for

SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}
TABLET = {"width": 800, "height": 1280}
SCREENS = [("boss", "#/supervisor", "supervisor-screen", "escalation-item", "supervisor-console"),
           ("boss", "#/devices", "devices-screen", "device-item", "supervisor-devices"),
           ("boss", "#/targets", "targets-screen", "site-targets", "supervisor-targets"),
           ("root", "#/admin", "admin-screen", "user-item", "admin-console"),
           ("root", "#/targets", "targets-screen", "company-day-add", "admin-targets")]


def shoot(page: Page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar belongs at the top of the picture
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled", caret="hide")


def test_the_supervisor_and_admin_consoles_are_photographed_on_a_phone_and_a_tablet_in_both_languages(
        browser: Browser, alarm_server, publisher) -> None:
    server = alarm_server(FIELDOPS_ESCALATE_AFTER_S="1")
    boss, disp = server.login("boss"), server.login("disp")
    for device, zone, source, name in [("leak-b2", "B2 水泵房", "native", None), ("aqara-3f", "3F 茶水间", "zigbee2mqtt", "north/3f/leak")]:
        r = boss.post("/api/v1/devices", json={"id": device, "site_id": "north", "zone": zone, "kind": "water_leak", "source": source,
                                              **({"name": name} if name else {})})
        assert r.status_code == 201, r.text
    publisher.publish("fieldops/north/leak-b2/event", json.dumps({"kind": "water_leak", "active": True, "battery": 76}))
    publisher.publish("fieldops/north/panel-1/event", b"\x00not json")
    disp.ok("create_work_order", **new_order_args("north", category="complaint", complaint_level="important", title="夜间施工噪音",
                                                  unit="5栋 801"))
    history = History(str(server.data_dir / "fieldops.db"))
    try:
        history.order(now() - timedelta(hours=2), title="电梯按钮失灵", unit="2栋 大堂", dispatch=1)
    finally:
        history.close()
    wait_for(lambda: boss.get("/api/v1/escalations/queue").json()["items"].__len__() >= 2, what="the queue filled")
    wait_for(lambda: boss.get("/api/v1/dead-letters").json(), what="the dead letter")
    boss.ok("set_service_target", key="arrive.urgent", value=600, unit="seconds", site_id="north")
    server.login("root").ok("set_company_day", day="2027-01-04", working=False, reason="年会 / company meeting")

    for locale, lang in [("zh-CN", "zh"), ("en-US", "en")]:
        for viewport, size in [(PHONE, "phone"), (TABLET, "tablet")]:
            ctx = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", viewport=viewport, device_scale_factor=1, service_workers="block")
            try:
                page = ctx.new_page()
                signed_in_as = None
                for username, route, screen, item, name in SCREENS:
                    if username != signed_in_as:
                        if signed_in_as:
                            page.click("[data-testid=logout]")
                            page.wait_for_selector("[data-testid=login-username]")  # signed out before the next page loads
                        sign_in(page, server.url, username, "[data-testid=console-nav]")
                        signed_in_as = username
                    page.evaluate(f"location.hash = '{route}'")
                    page.wait_for_selector(f"[data-testid={screen}] [data-testid={item}]")
                    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                    assert overflow <= 0, (name, size, lang, overflow)  # nothing wider than the phone
                    shoot(page, f"{name}-{size}-{lang}")
            finally:
                ctx.close()
