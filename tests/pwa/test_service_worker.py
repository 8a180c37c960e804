"""The service worker's two promises to the field: a new version never takes over while steps are
unsent (the page says an update is ready), and an alarm push becomes one notification per
incident with an Acknowledge action."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext

from tests.pwa.app_steps import wait_until
from tests.pwa.conftest import PWA_DIR, StaticServer

SEED_AND_QUEUE = """async () => {
  const db = await import('/js/db.js');
  const o = {id: 'wo-1', site_id: 's1', unit: '1-101', status: 'dispatched', title: 't', photos: [], notes: []};
  await db.transact(['base', 'replica'], 'readwrite', (s) => {
    s.base.put({type: 'work_order', id: o.id, value: o});
    s.replica.put({type: 'work_order', id: o.id, value: o, pending: false});
  });
  const sync = await import('/sync.js');
  await sync.enqueue('accept', {work_order_id: 'wo-1'});
}"""


def worker_versions(page) -> dict:
    return page.evaluate("""async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return {active: !!reg.active, waiting: !!reg.waiting, installing: !!reg.installing};
    }""")


def test_a_new_version_waits_while_steps_are_unsent_and_the_user_can_apply_it(browser: Browser, tmp_path: Path) -> None:
    app = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, app)
    server = StaticServer(app).start()
    ctx = browser.new_context(locale="en-US")
    try:
        page = ctx.new_page()
        page.goto(server.url + "/")
        page.wait_for_selector("html[data-ready=true]")
        wait_until(page, "navigator.serviceWorker.controller !== null", timeout_s=15, what="the service worker in control")
        page.evaluate(SEED_AND_QUEUE)
        sw = app / "sw.js"
        sw.write_text(sw.read_text(encoding="utf-8").replace('const VERSION = "', 'const VERSION = "next-'), encoding="utf-8")
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        page.wait_for_selector("[data-testid=update-banner]:not([hidden])", timeout=15000)
        assert "1 unsent" in page.locator("[data-testid=update-text]").inner_text()
        assert worker_versions(page)["waiting"] is True
        old_caches = page.evaluate("caches.keys()")
        assert any(c.startswith("fieldops-shell-2") for c in old_caches)
        with page.expect_event("load", timeout=15000):
            page.click("[data-testid=update-apply]")
        page.wait_for_selector("html[data-ready=true]")
        wait_until(page, "caches.keys().then(k => k.every(n => !n.startsWith('fieldops-shell-2')))", what="the old shell deleted")
        outbox = page.evaluate("import('/js/db.js').then((db) => db.listOutbox())")
        assert [m["name"] for m in outbox] == ["accept"]  # the update kept the unsent step
    finally:
        ctx.close()
        server.stop()


def test_an_alarm_push_shows_one_notification_per_incident_with_an_acknowledge_action(
        context: BrowserContext, page, pwa_server: StaticServer) -> None:
    context.grant_permissions(["notifications"], origin=pwa_server.url)
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout_s=15, what="the service worker in control")
    cdp = context.new_cdp_session(page)
    versions: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: versions.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    wait_until(page, "navigator.serviceWorker.getRegistrations().then(r => r.length === 1)", what="one registration")
    for _ in range(50):
        if versions:
            break
        page.wait_for_timeout(100)
    reg_id = next(r["registrationId"] for r in versions if r["scopeURL"] == pwa_server.url + "/")
    for zone in ["B2 泵房", "B3 车库"]:
        payload = {"type": "alarm", "alarm_id": f"al-{zone}", "work_order_id": "wo-fire-1", "site_id": "lotus",
                   "kind": "water_leak", "zone": zone, "ts": "2026-11-23T09:00:00Z"}
        cdp.send("ServiceWorker.deliverPushMessage",
                 {"origin": pwa_server.url, "registrationId": reg_id, "data": json.dumps(payload)})
        wait_until(page, "navigator.serviceWorker.ready.then(r => r.getNotifications())"
                         f".then(n => n.some(x => x.body.includes({json.dumps(zone)})))",
                   10, f"the notification for {zone}")
    shown = page.evaluate("""navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((ns) =>
      ns.map((n) => ({title: n.title, tag: n.tag, body: n.body, actions: n.actions.map((a) => a.action),
                      renotify: n.renotify, data: n.data})))""")
    assert len(shown) == 1  # the second alarm of the incident replaced the first
    note = shown[0]
    assert note["tag"] == "incident-wo-fire-1" and note["renotify"] is True
    assert note["actions"] == ["ack"] and note["title"] == "报警: 漏水"
    assert "B3 车库" in note["body"] and note["data"]["alarm_id"] == "al-B3 车库", note
