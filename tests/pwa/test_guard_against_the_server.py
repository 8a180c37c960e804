"""The guard's console against the real server, a real Mosquitto and a real local push service: a
sensor alarm reaches the live board and is acknowledged there; the alarm's Web Push, decrypted by the
push service, is handed to the service worker, shows a notification, and its Acknowledge action acks
the alarm on the server; enabling notifications in a browser that has no push service says why."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Browser, BrowserContext, CDPSession, Page

from tests import backend
from tests.live_server import LiveServer
from tests.pwa.app_steps import sign_in, synced, wait_for_the_service_worker, wait_in_page, wait_until

BOARD_POLL_S = 15  # pwa/js/screens/guard.js REFRESH_MS: without the stream the board is at most this stale


def leak(sensor, device: str, zone: str) -> None:
    sensor.publish(f"fieldops/north/{device}/event", json.dumps({"kind": "water_leak", "active": True, "zone": zone}))


def guard_on_shift(ctx: BrowserContext, server: LiveServer) -> Page:
    """The guard signs in on the phone and starts a shift at North Court; the server knows it."""
    page = ctx.new_page()
    sign_in(page, server.url, "guard", "[data-testid=guard-screen]")
    page.select_option("[data-testid=shift-site]", "north")
    page.click("[data-testid=start-shift]")
    page.wait_for_selector("[data-testid=shift-state]")
    synced(page)
    assert page.evaluate("import('/js/db.js').then((db) => db.listRejections())") == []  # start_shift accepted
    return page


def test_a_guard_on_shift_sees_a_sensor_alarm_on_the_live_board_and_acknowledges_it(
        browser: Browser, alarm_server, publisher) -> None:  # noqa: F811
    server = alarm_server()
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1000})
    streams: list[int] = []
    errors: list[str] = []
    try:
        ctx.on("response", lambda r: "/api/v1/events/stream" in r.url and streams.append(r.status))
        page = guard_on_shift(ctx, server)
        refreshed = time.monotonic()  # the sync just done re-rendered the board, which fetched the alarms then
        page.on("pageerror", lambda e: errors.append(str(e)))
        wait_in_page(page, lambda: streams, what="the board's event stream open")
        assert streams[0] == 200
        page.wait_for_selector("[data-testid=alarms-empty]")
        leak(publisher, "leak-b2", "B2 泵房")
        item = page.wait_for_selector("[data-testid=alarm-item]", timeout=10000)
        # before the board's next poll (and the 30 s sync timer): the event stream brought it
        assert time.monotonic() - refreshed < BOARD_POLL_S
        alarm_id = item.get_attribute("data-alarm-id")
        assert "B2 泵房" in item.inner_text() and "漏水" in item.inner_text()
        page.click(f"[data-testid=alarm-item][data-alarm-id='{alarm_id}'] [data-testid=alarm-ack]")
        page.wait_for_selector(f"[data-testid=alarm-item][data-alarm-id='{alarm_id}'] [data-testid=alarm-acked]")
        synced(page)
    finally:
        ctx.close()
    guard = server.login("guard")
    alarm = guard.get(f"/api/v1/alarms/{alarm_id}").json()
    assert alarm["acked_by"] == guard.user["id"] and alarm["acked_at"], alarm
    assert alarm["state"] == "active" and alarm["work_order_id"]  # acknowledged is not resolved: the leak is still there
    assert not errors, errors


def push_registration_id(ctx: BrowserContext, page: Page, origin: str) -> tuple[str, CDPSession]:
    """The service worker's registration id, which ServiceWorker.deliverPushMessage needs, and the CDP session."""
    cdp = ctx.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    ours = wait_in_page(page, lambda: [r["registrationId"] for r in registrations if r["scopeURL"] == origin + "/" and not r["isDeleted"]],
                        what="the registration reported over CDP")
    return ours[-1], cdp


def test_an_alarm_push_shows_a_notification_whose_acknowledge_action_acks_the_alarm_on_the_server(
        browser: Browser, alarm_server, publisher, push_service) -> None:  # noqa: F811
    server = alarm_server()
    ctx = browser.new_context(locale="zh-CN")
    ctx.grant_permissions(["notifications"], origin=server.url)
    errors: list[str] = []
    try:
        page = guard_on_shift(ctx, server)
        page.on("pageerror", lambda e: errors.append(str(e)))
        wait_for_the_service_worker(page)
        # Chromium cannot subscribe without its push service (see the test below), so the phone's
        # subscription comes from the local push service and is registered the way the app registers one
        key = page.evaluate("import('/js/api.js').then((m) => m.api('/push/key'))")["public_key"]
        subscription = push_service.subscribe(application_server_key=key)
        page.evaluate("(sub) => import('/js/api.js').then((m) => m.api('/push/subscriptions', {method: 'POST', body: sub}))",
                      subscription)
        page.evaluate("""() => { window.acks = [];
          navigator.serviceWorker.addEventListener('message', (e) => window.acks.push(e.data)); }""")

        leak(publisher, "leak-roof", "屋顶水箱")
        [delivered] = push_service.wait_for(1, timeout=10)  # VAPID checked and RFC 8291 decrypted by the push service
        alarm = delivered.payload
        assert alarm["type"] == "alarm" and alarm["zone"] == "屋顶水箱"
        registration_id, cdp = push_registration_id(ctx, page, server.url)
        cdp.send("ServiceWorker.deliverPushMessage",
                 {"origin": server.url, "registrationId": registration_id, "data": json.dumps(alarm)})
        wait_until(page, "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length === 1)",
                   10, "the alarm notification")
        [shown] = page.evaluate("""navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) =>
          ns.map((n) => ({title: n.title, tag: n.tag, body: n.body, actions: n.actions.map((a) => a.action), data: n.data})))""")
        assert shown["title"] == "报警: 漏水" and "屋顶水箱" in shown["body"]
        assert shown["tag"] == f"incident-{alarm['work_order_id']}" and shown["actions"] == ["ack"]
        assert shown["data"]["alarm_id"] == alarm["alarm_id"]

        [worker] = ctx.service_workers
        # no DevTools command taps a notification: run the path the notificationclick listener runs, on the real one
        worker.evaluate("""async () => {
          const [notification] = await self.registration.getNotifications();
          await notificationClicked(notification, 'ack');
        }""")
        wait_until(page, "window.acks.length > 0", 10, "the worker telling the page")
        assert page.evaluate("window.acks") == [{"type": "ALARM_ACKED", "alarm_id": alarm["alarm_id"], "ok": True}]
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length)") == 0
    finally:
        ctx.close()
    guard = server.login("guard")
    acked = guard.get(f"/api/v1/alarms/{alarm['alarm_id']}").json()
    assert acked["acked_by"] == guard.user["id"] and acked["acked_at"], acked
    assert not errors, errors


def test_enabling_notifications_in_a_browser_without_a_push_service_says_why_and_registers_nothing(
        browser: Browser, start_server) -> None:
    server = start_server()
    ctx = browser.new_context(locale="en-US")
    ctx.grant_permissions(["notifications"], origin=server.url)
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "guard", "[data-testid=enable-notifications]")
        wait_for_the_service_worker(page)
        assert page.evaluate("Notification.permission") == "granted"
        page.click("[data-testid=enable-notifications]")
        state = page.locator("[data-testid=notifications-state]")
        state.wait_for()
        answered = "!['', 'Turning notifications on…'].includes(document.querySelector('[data-testid=notifications-state]').textContent)"
        wait_until(page, answered, 25, "an answer")
        # What Chromium 156 says in a Playwright context (an off-the-record profile has no push service;
        # a persistent profile waits for FCM forever): the guard reads it instead of a silent button
        assert state.inner_text() == "Notifications could not be turned on: Registration failed - permission denied"
        assert page.locator("[data-testid=enable-notifications]").is_visible()  # try again later
    finally:
        ctx.close()
    db = backend.connect(server.data_dir / "fieldops.db")
    assert db.execute("SELECT count(*) FROM push_subscriptions").fetchone()[0] == 0
    db.close()
