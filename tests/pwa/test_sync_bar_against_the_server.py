"""Against the real server, the technician always knows where things stand: the bar says offline when the
network is cut (before and after a reload), "sending" only while a request is on the wire, and after a failed
attempt why and when it retries — the server stopped, the sign-in expired (signed in again, nothing lost), the
batch refused — and everything lands once when the cause is gone."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Callable

import httpx
from playwright.sync_api import Browser, Page

from tests.live_server import LiveServer, new_order_args
from tests.pwa.app_steps import outbox, sign_in, synced, wait_for_the_service_worker, wait_until
from tests.pwa.axe_check import serious_violations, with_axe
from tests.world import PASSWORD, World

SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 740}

# Every bar state (data-state, data-reason) and every sync request (start, end) with the page's clock, so a test
# can check that "sending" is shown only while a request is in flight.
RECORDER = """() => {
  window.__bar = []; window.__requests = [];
  const bar = document.querySelector('[data-testid=sync-state]');
  const note = () => window.__bar.push({ t: performance.now(), state: bar.dataset.state, reason: bar.dataset.reason, text: bar.textContent });
  new MutationObserver(note).observe(bar, { attributes: true, childList: true, characterData: true, subtree: true });
  const real = window.fetch;
  window.fetch = async (input, init) => {
    const url = String(input.url || input);
    const entry = { url, start: performance.now(), end: null, ok: null };
    if (/sync\\/push|uploads|blobs/.test(url)) window.__requests.push(entry);
    try { const res = await real(input, init); entry.ok = res.ok; return res; }
    finally { entry.end = performance.now(); }
  };
}"""


def dispatched_order(as_user, world: World, title: str, **over) -> str:
    office = as_user("disp")
    args = new_order_args("north", title=title, unit="5-" + uuid.uuid4().hex[:4], **over)
    office.ok("create_work_order", **args)
    office.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    return args["id"]


def bar(page: Page) -> dict:
    return page.evaluate("""() => { const b = document.querySelector('[data-testid=sync-state]');
      const d = document.querySelector('[data-testid=sync-detail]');
      return { state: b.dataset.state, reason: b.dataset.reason, text: b.textContent, pending: b.dataset.pending,
               detail: d.hidden ? null : d.textContent }; }""")


def wait_bar(page: Page, state: str, reason: str | None = None, timeout_s: float = 15) -> dict:
    cond = f"document.querySelector('[data-testid=sync-state]').dataset.state === {state!r}"
    if reason is not None:
        cond += f" && document.querySelector('[data-testid=sync-state]').dataset.reason === {reason!r}"
    wait_until(page, cond, timeout_s, f"the bar to say {state}/{reason}")
    return bar(page)


def open_job(page: Page, order_id: str) -> None:
    page.evaluate("h => { location.hash = h; }", f"#/job/{order_id}")
    page.wait_for_selector(f"[data-testid=job-screen]")


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / name), full_page=False)


def test_the_bar_says_offline_with_the_network_cut_before_and_after_a_reload_and_sending_only_while_requests_fly(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    order_id = dispatched_order(as_user, world, "地下车库照明不亮")
    ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, live.url, "tech", f"[data-testid=job-item][href='#/job/{order_id}']")
        wait_for_the_service_worker(page)
        wait_bar(page, "ok")
        ctx.set_offline(True)  # the basement
        open_job(page, order_id)
        page.click("[data-testid=accept]")
        page.click("[data-testid=arrive]")
        page.wait_for_selector("[data-testid=job-screen][data-status=on_site]")
        shown = wait_bar(page, "offline", "offline")
        assert shown["text"] == "离线 · 2 条尚未发送" and "联网后自动发送" in shown["detail"], shown
        shot(page, "sync-bar-offline-phone-zh-CN.png")

        page.reload()  # offline before a reload said "正在发送 7 条…"
        page.wait_for_selector("html[data-ready=true]")
        shown = wait_bar(page, "offline", "offline")
        assert shown["text"] == "离线 · 2 条尚未发送" and "发送" not in shown["text"].replace("尚未发送", ""), shown
        assert len(outbox(page)) == 2

        page.evaluate(RECORDER)
        ctx.set_offline(False)  # back upstairs: the `online` event syncs
        wait_bar(page, "ok", timeout_s=20)
        record = page.evaluate("({ bar: window.__bar, requests: window.__requests })")
    finally:
        ctx.close()

    pushes = [r for r in record["requests"] if "sync/push" in r["url"]]
    assert pushes and all(r["end"] is not None for r in record["requests"])
    busy = [b for b in record["bar"] if b["state"] == "busy"]
    assert busy and busy[0]["text"] == "正在发送 2 条…", record["bar"]
    first_start = min(r["start"] for r in record["requests"])
    last_end = max(r["end"] for r in record["requests"])
    for b in busy:  # painted while the push (or an upload) was on the wire, never after
        assert first_start - 50 <= b["t"] <= last_end, (b, record["requests"])
    assert record["bar"][-1]["state"] == "ok"
    assert as_user("disp").order(order_id)["status"] == "on_site"
    assert not errors, errors


def test_with_the_server_stopped_the_bar_says_it_cannot_reach_it_and_when_it_retries_then_sends_once_it_is_back(
        browser: Browser, start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    office = server.login("disp")
    tech_id = server.login("tech").user["id"]
    args = new_order_args("north", title="Stairwell light out", unit="2-301")
    office.ok("create_work_order", **args)
    office.ok("dispatch", work_order_id=args["id"], technician_id=tech_id)
    ctx = with_axe(browser.new_context(locale="zh-CN", viewport=PHONE))
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, server.url, "tech", f"[data-testid=job-item][href='#/job/{args['id']}']")
        wait_for_the_service_worker(page)
        wait_bar(page, "ok")
        open_job(page, args["id"])
        page.evaluate(RECORDER)
        server.stop()  # the network is fine; the server is not there
        page.click("[data-testid=accept]")
        shown = wait_bar(page, "offline", "unreachable", timeout_s=10)
        assert shown["text"] == "离线 · 1 条尚未发送", shown
        assert "连不上服务器" in shown["detail"] and "秒后" in shown["detail"], shown
        assert serious_violations(page) == []
        shot(page, "sync-bar-server-down-phone-zh-CN.png")
        attempts = page.evaluate("window.__requests.filter((r) => r.url.includes('sync/push')).length")
        # it retries by itself, at the time it said, and says so again: never "sending" with nothing on the wire
        wait_until(page, f"window.__requests.filter((r) => r.url.includes('sync/push')).length > {attempts}", 20, "a retry")
        shown = wait_bar(page, "offline", "unreachable", timeout_s=10)
        assert "秒后" in shown["detail"] or "正在重试" in shown["detail"], shown
        states = page.evaluate("window.__bar")
        requests = page.evaluate("window.__requests")
        for b in states:
            if b["state"] == "busy":  # "sending" only while a push was open
                assert any(r["start"] - 50 <= b["t"] <= (r["end"] or 1e12) for r in requests), (b, requests)

        page.set_viewport_size({"width": 1024, "height": 768})
        page.select_option("[data-testid=language-switch]", "en")
        wait_until(page, "document.querySelector('[data-testid=sync-state]').textContent === 'Offline · 1 not sent yet'", 10, "the bar in English")
        shown = bar(page)
        assert shown["reason"] == "unreachable" and "Cannot reach the server" in shown["detail"], shown
        shot(page, "sync-bar-server-down-tablet-en.png")
        page.select_option("[data-testid=language-switch]", "zh-CN")

        server.start(timeout_s=90)  # a loaded CI machine may take a while to bring it back
        page.click("[data-testid=sync-retry]")
        wait_bar(page, "ok", timeout_s=20)
        synced(page)
    finally:
        ctx.close()
    order = server.login("disp").order(args["id"])
    assert order["status"] == "accepted" and [e["name"] for e in order["events"]].count("accept") == 1
    assert not errors, errors


def test_signed_out_the_bar_offers_to_sign_in_again_and_the_queue_is_sent_as_that_user(
        browser: Browser, start_server: Callable[..., LiveServer]) -> None:
    server = start_server()
    office = server.login("disp")
    tech_id = server.login("tech").user["id"]
    args = new_order_args("north", title="Lift button stuck", unit="1-101")
    office.ok("create_work_order", **args)
    office.ok("dispatch", work_order_id=args["id"], technician_id=tech_id)
    ctx = with_axe(browser.new_context(locale="zh-CN", viewport=PHONE))
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, server.url, "tech", f"[data-testid=job-item][href='#/job/{args['id']}']")
        wait_bar(page, "ok")
        open_job(page, args["id"])
        # the token ends on the server (expired, revoked) while the app still holds it
        token = page.evaluate("import('/js/db.js').then((db) => db.getMeta('auth')).then((a) => a.token)")
        assert httpx.post(server.url + "/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code in (200, 204)
        page.click("[data-testid=accept]")
        shown = wait_bar(page, "signed_out", "signed_out")
        assert shown["text"] == "已退出登录 · 1 条未发送" and "重新登录" in shown["detail"], shown
        assert [m["name"] for m in outbox(page)] == ["accept"]
        assert serious_violations(page) == []
        shot(page, "sync-bar-signed-out-phone-zh-CN.png")

        page.click("[data-testid=sync-sign-in]")
        page.wait_for_selector("[data-testid=login-username]")
        assert [m["name"] for m in outbox(page)] == ["accept"]  # nothing lost on the way to the form
        page.fill("[data-testid=login-username]", "tech")
        page.fill("[data-testid=login-password]", PASSWORD)
        page.click("[data-testid=login-submit]")
        page.wait_for_selector("[data-testid=jobs-screen]")
        wait_bar(page, "ok", timeout_s=20)
        synced(page)
    finally:
        ctx.close()
    assert server.login("disp").order(args["id"])["status"] == "accepted"
    assert not errors, errors


def test_a_batch_the_server_refuses_is_said_with_its_reason_and_kept(
        browser: Browser, start_server: Callable[..., LiveServer]) -> None:
    server = start_server({"FIELDOPS_MAX_BODY_BYTES": "4096"})  # a note longer than that cannot be pushed
    office = server.login("disp")
    tech_id = server.login("tech").user["id"]
    args = new_order_args("north", title="Water meter reading", unit="7-702")
    office.ok("create_work_order", **args)
    office.ok("dispatch", work_order_id=args["id"], technician_id=tech_id)
    ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, server.url, "tech", f"[data-testid=job-item][href='#/job/{args['id']}']")
        wait_bar(page, "ok")
        open_job(page, args["id"])
        page.fill("[data-testid=note-text]", "水表读数记录：" + "一二三四五六七八九十" * 150)
        page.click("[data-testid=note-submit]")
        shown = wait_bar(page, "failed", "refused")
        assert shown["text"] == "发送被拒 · 1 条未发送", shown
        assert "服务器拒收了这批记录" in shown["detail"] and "秒后" in shown["detail"], shown
        assert [m["name"] for m in outbox(page)] == ["add_note"]
        shot(page, "sync-bar-refused-phone-zh-CN.png")
    finally:
        ctx.close()
    assert not errors, errors
