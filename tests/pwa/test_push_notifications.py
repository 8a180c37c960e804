"""Pushes that read: every push type the server sends (an alarm to the guard on duty, the same alarm
escalated to the supervisor, and the work-order escalations — a complaint received, a complaint not taken
up, work past its deadline) is produced by the real server, decrypted by a real local push service, handed
to the service worker in Chromium, and read back from the notification it shows: in the user's language,
naming the site by name, the zone or the order, why and how late, each incident or order under its own tag."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from playwright.sync_api import Browser, Page

from server.clock import now, to_rfc3339
from tests.live_server import LiveServer, new_order_args
from tests.pwa.app_steps import sign_in, wait_for_the_service_worker, wait_until
from tests.pwa.test_guard_against_the_server import push_registration_id
from tests.sensor_fixtures import wait_for
from tests.sync.device import Device

HOUR = 3600


def subscribe(client, push_service) -> dict:
    sub = push_service.subscribe()
    assert client.post("/api/v1/push/subscriptions", json=sub).status_code == 201
    return sub


def ago(seconds: float) -> str:
    return to_rfc3339(now() - timedelta(seconds=seconds))


def pushes_of_every_type(server: LiveServer, publisher, push_service) -> dict[str, dict[str, Any]]:
    """Makes the server send each push type for real and returns the decrypted payloads by what they are."""
    guard, boss, disp = server.login("guard"), server.login("boss"), server.login("disp")
    guard.ok("start_shift", site_id="north")
    guard_sub, boss_sub = subscribe(guard, push_service), subscribe(boss, push_service)
    # recorded two hours ago by the service centre and nobody took it up; an emergency repair five hours old
    office = Device(disp)
    complaint = new_order_args("north", category="complaint", complaint_level="important", title="Lift breaks down every week")
    overdue = new_order_args("north", category="emergency", priority="emergency", title="No heating in block 2")
    office.do("create_work_order", ago(2 * HOUR), **complaint)
    office.do("create_work_order", ago(5 * HOUR), **overdue)
    office.sync_up()
    publisher.publish("fieldops/north/leak-b2/event", json.dumps({"kind": "water_leak", "active": True, "zone": "B2 泵房"}))

    def sent() -> dict[str, dict[str, Any]]:
        got: dict[str, dict[str, Any]] = {}
        for push in push_service.received_by(guard_sub):
            got["alarm"] = push.payload
        for push in push_service.received_by(boss_sub):
            p = push.payload
            got["alarm_escalated" if p["type"] == "alarm" else f"{p['kind']}:{p['work_order_id']}"] = p
        return got

    wanted = {"alarm", "alarm_escalated", f"complaint_received:{complaint['id']}", f"complaint_unhandled:{complaint['id']}",
              f"resolve_overdue:{overdue['id']}"}
    got = wait_for(lambda: (lambda g: g if wanted <= g.keys() else None)(sent()), timeout=20, what=f"pushes {sorted(wanted)}")
    return {"alarm": got["alarm"], "alarm_escalated": got["alarm_escalated"],
            "complaint_received": got[f"complaint_received:{complaint['id']}"],
            "complaint_unhandled": got[f"complaint_unhandled:{complaint['id']}"],
            "resolve_overdue": got[f"resolve_overdue:{overdue['id']}"]}


def show(page: Page, cdp, origin: str, registration_id: str, payload: dict) -> dict:
    """Delivers one push to the service worker as the push service would and reads the notification it shows."""
    page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) => ns.forEach((n) => n.close()))")
    # DevTools hands the push to the worker once; on a loaded machine a push that lands while the worker is being
    # woken is sometimes not dispatched (a push service would deliver it again). Sent again it replaces the same
    # notification (one tag), so it is never counted twice.
    for attempt in range(3):
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": registration_id, "data": json.dumps(payload)})
        try:
            wait_until(page, "navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.length === 1)", 10, "the notification")
            break
        except AssertionError:
            if attempt == 2:
                raise
    [shown] = page.evaluate("""navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) =>
      ns.map((n) => ({title: n.title, body: n.body, tag: n.tag, actions: n.actions.map((a) => a.action), data: n.data})))""")
    return shown


def test_every_push_type_the_server_sends_reads_in_the_users_language(browser: Browser, alarm_server, publisher, push_service) -> None:
    server = alarm_server(FIELDOPS_ESCALATE_AFTER_S="1", FIELDOPS_ESCALATION_POLL_S="0.2")
    payloads = pushes_of_every_type(server, publisher, push_service)
    assert payloads["alarm"]["site_name"] == "North Court" and "escalated" not in payloads["alarm"]  # a plain alarm: the contract shape plus the name
    assert payloads["alarm_escalated"]["escalated"] is True
    assert payloads["resolve_overdue"]["site_name"] == "North Court"
    assert {k: payloads["alarm"][k] for k in ("type", "alarm_id", "work_order_id", "site_id", "kind", "zone", "ts")}  # CONTRACT fields kept

    seen: dict[str, dict[str, dict]] = {}
    for locale, lang in [("zh-CN", "zh-CN"), ("en-US", "en")]:
        ctx = browser.new_context(locale=locale)
        ctx.grant_permissions(["notifications"], origin=server.url)
        try:
            page = ctx.new_page()
            sign_in(page, server.url, "boss", "[data-testid=screen][data-route=supervisor]")
            wait_for_the_service_worker(page)
            registration_id, cdp = push_registration_id(ctx, page, server.url)
            seen[lang] = {name: show(page, cdp, server.url, registration_id, p) for name, p in payloads.items()}
        finally:
            ctx.close()

    zh, en = seen["zh-CN"], seen["en"]
    alarm, escalated = payloads["alarm"], payloads["alarm_escalated"]
    assert zh["alarm"]["title"] == "报警: 漏水" and en["alarm"]["title"] == "Alarm: Water leak"
    assert zh["alarm"]["body"].startswith("North Court · 区域 B2 泵房 · ") and en["alarm"]["body"].startswith("North Court · zone B2 泵房 · ")
    assert zh["alarm"]["tag"] == f"incident-{alarm['work_order_id']}" and zh["alarm"]["actions"] == ["ack"]
    assert zh["alarm_escalated"]["title"] == "报警无人确认: 漏水" and "无人确认" in zh["alarm_escalated"]["body"]
    assert en["alarm_escalated"]["title"] == "Unacknowledged alarm: Water leak" and "unacknowledged for" in en["alarm_escalated"]["body"]
    assert zh["alarm_escalated"]["tag"] == f"incident-{escalated['work_order_id']}"  # the incident's one notification, updated

    complaint = payloads["complaint_received"]
    assert zh["complaint_received"]["title"] == "收到重要投诉" and en["complaint_received"]["title"] == "Important complaint received"
    assert zh["complaint_received"]["body"].startswith("Lift breaks down every week · North Court\n登记于 ")
    assert "（2 小时 0 分钟前）" in zh["complaint_received"]["body"] or "（1 小时 59 分钟前）" in zh["complaint_received"]["body"]
    assert zh["complaint_unhandled"]["title"] == "重要投诉未及时处理" and "已超时 1 小时" in zh["complaint_unhandled"]["body"]
    assert en["complaint_unhandled"]["body"].startswith("Lift breaks down every week · North Court\ndue ") and "h" in en["complaint_unhandled"]["body"]
    assert zh["complaint_received"]["tag"] == zh["complaint_unhandled"]["tag"] == f"order-{complaint['work_order_id']}"

    late = payloads["resolve_overdue"]
    assert zh["resolve_overdue"]["title"] == "工单超时未解决" and en["resolve_overdue"]["title"] == "Work order past its deadline"
    assert zh["resolve_overdue"]["body"].startswith("No heating in block 2 · North Court\n应于 ")
    assert "已超时 1 小时" in zh["resolve_overdue"]["body"] and ", 1 h " in en["resolve_overdue"]["body"]
    assert zh["resolve_overdue"]["tag"] == f"order-{late['work_order_id']}" != zh["complaint_received"]["tag"]
    for lang in (zh, en):  # no English reason text from the server, no ids, nothing blank
        for name, note in lang.items():
            assert note["title"] and note["body"] and "north" not in note["body"] and "FieldOps" not in note["title"], (name, note)
            assert payloads[name]["site_id"] not in note["body"].split(" · ")


def test_a_push_of_a_type_this_build_does_not_know_still_names_what_it_is_about(page: Page, pwa_server) -> None:
    page.context.grant_permissions(["notifications"], origin=pwa_server.url)
    wait_for_the_service_worker(page)
    registration_id, cdp = push_registration_id(page.context, page, pwa_server.url)
    shown = show(page, cdp, pwa_server.url, registration_id,
                 {"type": "shift_unattended", "site_id": "north", "site_name": "North Court", "title": "B2 泵房", "ts": "2026-12-01T09:00:00Z"})
    assert shown["title"] == "FieldOps 通知: B2 泵房" and shown["body"].startswith("North Court · ")
    assert shown["tag"] == "shift_unattended-north"
