"""Against the real server, in Chromium, through the UI only: a dispatcher of two sites records every
kind of report, links a rework, dispatches to the order's site's technicians only, defers (the
technician sees it), cancels, marks harm ongoing, calls a customer back twice with the history kept,
opens the order view (timeline, photo full screen, signature), and reviews each refusal once, in
their language, and resolves it. (The console's screenshots: test_dispatcher_screenshots.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from server.auth import add_user
from server.clock import now, to_rfc3339
from tests.backend import open_store
from tests.evidence.flow import completed_order, sign
from tests.evidence.photos import sha
from tests.live_server import LiveServer, new_order_args
from tests.pwa.app_steps import draw_signature, sign_in, synced, wait_until
from tests.sync.device import Device
from tests.world import PASSWORD, World

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def office(world_dir: Path, live: LiveServer) -> str:
    """A dispatcher of both sites (a service centre serving two estates), so the other site's technicians exist for them."""
    store = open_store(str(world_dir / "fieldops.db"))
    try:
        store.write(lambda tx: add_user(tx, "disp_both", PASSWORD, "dispatcher", ["north", "south"], "Chen Both"))
    finally:
        store.close()
    return "disp_both"


@pytest.fixture
def console(browser: Browser, live: LiveServer, office: str) -> Iterator[Page]:
    ctx = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai", viewport=TABLET)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live.url, office, "[data-testid=dispatcher-screen]")
    page.wait_for_selector("[data-testid=sync-state][data-state=ok]")
    yield page
    ctx.close()
    assert not errors, errors


def record(page: Page, site: str, unit: str, title: str, category: str, channel: str, **extra: str) -> str:
    """Fill the report form as the dispatcher does while on the phone; returns the new order's id."""
    page.click("[data-testid=new-report]")
    page.wait_for_selector("[data-testid=report-form]")
    page.select_option("[data-testid=report-site]", site)
    page.fill("[data-testid=report-unit]", unit)
    page.select_option("[data-testid=report-category]", category)
    page.select_option("[data-testid=report-channel]", channel)
    page.fill("[data-testid=report-title]", title)
    page.fill("[data-testid=report-reporter-name]", "Ms Wang")
    page.fill("[data-testid=report-reporter-phone]", "13800000000")
    for field, value in extra.items():
        target = f"[data-testid=report-{field.replace('_', '-')}]"
        if page.locator(target).evaluate("el => el.tagName") == "SELECT":
            page.select_option(target, value)
        else:
            page.fill(target, value)
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/#/board/dispatch/*")
    return page.url.rsplit("/", 1)[1]


def open_order(page: Page, order_id: str) -> None:
    page.evaluate("h => { location.hash = h; }", f"#/job/{order_id}")
    page.wait_for_selector("[data-testid=job-screen]")


def test_a_dispatcher_records_every_kind_of_report_and_links_a_rework(console: Page, as_user, world: World) -> None:
    disp, tech = as_user("disp"), as_user("tech")
    first = completed_order(disp, tech, world.users["tech"], unit="5-802", title="Bathroom tap dripping")
    page = console
    repair = record(page, "north", "3-101", "Door lock broken", "repair", "phone", requested_at="2026-12-02T10:00")
    complaint = record(page, "north", "3-102", "Dirty stairwell", "complaint", "visit", complaint_level="important",
                       complaint_about="Cleaning team", complaint_happened="Not cleaned for a week", complaint_wants="Daily cleaning")
    help_ = record(page, "south", "8-1", "Resident fell", "help", "department", help_kind="medical")
    emergency = record(page, "north", "B2", "Pump room flooding", "emergency", "patrol")

    page.click("[data-testid=new-report]")
    page.fill("[data-testid=report-unit]", "5-802")
    page.fill("[data-testid=report-title]", "Tap dripping again")
    page.fill("[data-testid=report-rework-search]", "5-80")
    page.click(f"[data-testid=report-rework-pick][data-order-id='{first['id']}']")
    expect(page.locator("[data-testid=report-rework-chosen]")).to_contain_text("Bathroom tap dripping")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/#/board/dispatch/*")
    rework = page.url.rsplit("/", 1)[1]
    synced(page)

    both = as_user("disp_both")
    got = {k: both.order(v) for k, v in dict(repair=repair, complaint=complaint, help=help_, emergency=emergency, rework=rework).items()}
    assert (got["repair"]["category"], got["repair"]["channel"]) == ("repair", "phone") and got["repair"]["requested_at"] == "2026-12-02T02:00:00.000000Z"
    assert got["repair"]["contacted_at"] and got["repair"]["reporter"] == {"name": "Ms Wang", "phone": "13800000000"}
    assert got["complaint"]["complaint_level"] == "important" and got["complaint"]["channel"] == "visit"
    assert got["complaint"]["complaint"] == {"about": "Cleaning team", "happened": "Not cleaned for a week", "wants": "Daily cleaning"}
    assert (got["help"]["site_id"], got["help"]["help_kind"], got["help"]["channel"]) == ("south", "medical", "department")
    assert (got["emergency"]["priority"], got["emergency"]["channel"]) == ("emergency", "patrol")
    assert got["rework"]["rework_of"] == first["id"]

    open_order(page, rework)
    page.click("[data-testid=rework-of-link]")
    page.wait_for_selector("[data-testid=job-screen][data-status=completed]")


def test_a_dispatcher_dispatches_to_the_sites_technicians_defers_cancels_and_marks_harm(
        console: Page, browser: Browser, live: LiveServer, as_user, world: World) -> None:
    page = console
    busy = as_user("disp").ok("create_work_order", **new_order_args(unit="1-1", title="Already held"))
    as_user("disp").ok("dispatch", work_order_id=busy["id"], technician_id=world.users["tech"])
    order_id = record(page, "north", "6-601", "Radiator cold", "repair", "phone")
    item = page.locator(f"[data-testid=dispatch-item][data-order-id='{order_id}']")
    offered = item.locator("[data-testid=dispatch-technician] option")
    wanted = {world.users["tech"], world.users["tech_b"]}
    page.wait_for_function("n => document.querySelectorAll(`[data-order-id='${n}'] [data-testid=dispatch-technician] option`).length === 2", arg=order_id)
    assert {offered.nth(i).get_attribute("value") for i in range(offered.count())} == wanted  # not South Tower's technician
    texts = offered.all_inner_texts()
    assert any("Tech —" in x and "holds" in x for x in texts) and any(x.startswith("Tech_B") for x in texts)
    item.locator("[data-testid=dispatch-technician]").select_option(world.users["tech_b"])
    item.locator("[data-testid=dispatch-submit]").click()
    south = as_user("disp_both").ok("create_work_order", **new_order_args(site_id="south", unit="9-9", title="South leak"))
    synced(page)
    south_item = page.locator(f"[data-testid=dispatch-item][data-order-id='{south['id']}'] [data-testid=dispatch-technician] option")
    page.wait_for_function("n => document.querySelector(`[data-order-id='${n}'] [data-testid=dispatch-technician]`)", arg=south["id"])
    assert [south_item.nth(i).get_attribute("value") for i in range(south_item.count())] == [world.users["tech_south"]]

    # reassign from the order view, then defer with a reason and a promised time
    open_order(page, order_id)
    assert "Tech_B" in page.inner_text("[data-testid=fact-assignee]")
    assert page.locator("[data-testid=accept]").count() == 0  # the technician's button is not the office's
    page.select_option("[data-testid=office-dispatch-form] [data-testid=dispatch-technician]", world.users["tech"])
    page.click("[data-testid=office-dispatch]")
    page.wait_for_function("() => document.querySelector('[data-testid=fact-assignee]')?.textContent.startsWith('Tech') && "
                           "!document.querySelector('[data-testid=fact-assignee]').textContent.includes('Tech_B')")
    page.click("[data-testid=defer] summary")
    page.fill("[data-testid=defer-reason]", "Part on order")
    page.fill("[data-testid=defer-promised]", "2026-12-03T09:30")
    page.click("[data-testid=defer-submit]")
    page.wait_for_selector("[data-testid=deferred-note]")
    synced(page)
    deferred = as_user("disp").order(order_id)
    assert (deferred["status"], deferred["defer_reason"], deferred["promised_at"]) == ("deferred", "Part on order", "2026-12-03T01:30:00.000000Z")
    assert [e["data"]["technician_id"] for e in deferred["events"] if e["name"] == "dispatch"] == [world.users["tech_b"], world.users["tech"]]
    page.evaluate("() => { location.hash = '#/board'; }")
    page.wait_for_selector(f"[data-testid=dispatch-item][data-order-id='{order_id}'] [data-testid=deferred-note]")

    tech_ctx = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai", viewport=PHONE)
    try:
        tech_page = tech_ctx.new_page()
        sign_in(tech_page, live.url, "tech", "[data-testid=jobs-screen]")
        open_order(tech_page, order_id)
        assert "Part on order" in tech_page.inner_text("[data-testid=deferred-note]")
    finally:
        tech_ctx.close()

    # harm still going on, then cancel with a reason
    open_order(page, order_id)
    page.click("[data-testid=harm-toggle]")
    page.wait_for_selector("[data-testid=harm-ongoing]")
    page.click("[data-testid=cancel] summary")
    page.fill("[data-testid=cancel-reason]", "Customer fixed it himself")
    page.click("[data-testid=cancel-submit]")
    page.wait_for_selector("[data-testid=job-screen][data-status=cancelled]")
    assert page.locator("[data-testid=harm-toggle]").count() == 0 and page.locator("[data-testid=office-dispatch]").count() == 0
    synced(page)
    cancelled = as_user("disp").order(order_id)
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "Customer fixed it himself")
    assert [e["data"]["ongoing"] for e in cancelled["events"] if e["name"] == "set_harm_ongoing"] == [True]


def test_a_dispatcher_calls_back_and_every_attempt_stays_on_the_order(console: Page, as_user, world: World) -> None:
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"], priority="urgent", unit="2-1101", title="Front door lock")
    assert sign(tech, order, sha(b"lock signature")).status_code == 200
    page = console
    synced(page)
    item = page.locator(f"[data-testid=callback-item][data-order-id='{order['id']}']")
    item.wait_for()
    expect(item.locator("[data-testid=callback-customer]")).to_contain_text("Ms Wang")
    expect(item.locator("[data-testid=callback-due]")).to_contain_text("call back by")
    expect(item.locator("[data-testid=callback-attempts]")).to_have_text("0 attempt(s)")
    item.locator("[data-testid=callback-comment]").fill("No answer")
    item.locator("[data-testid=callback-submit]").click()
    wait_until(page, f"document.querySelector(\"[data-testid=callback-item][data-order-id='{order['id']}'] [data-testid=callback-attempts]\")"
                     "?.textContent === '1 attempt(s)'", what="the first attempt counted")
    assert "No answer" in item.locator("[data-testid=callback-history]").inner_text()
    synced(page)
    item.locator("[data-testid=callback-reached]").check()
    item.locator("[data-testid=callback-satisfied]").check()
    item.locator("[data-testid=callback-comment]").fill("Lock works, happy")
    item.locator("[data-testid=callback-submit]").click()
    wait_until(page, f"!document.querySelector(\"[data-testid=callback-item][data-order-id='{order['id']}']\")", what="the order off the queue")
    synced(page)
    closed = disp.order(order["id"])
    assert closed["status"] == "closed"
    assert [(c["reached"], c["satisfied"], c["comment"]) for c in closed["call_backs"]] == [(False, None, "No answer"), (True, True, "Lock works, happy")]

    # the order view: every field, the timeline with names, the photo full screen, the signature and the call-backs
    open_order(page, order["id"])
    assert page.inner_text("[data-testid=fact-assignee]") == "Tech"
    page.wait_for_selector("[data-testid=timeline-step][data-name=call_back]")
    steps = page.locator("[data-testid=timeline-step]").all_inner_texts()
    assert steps[0].startswith("Recorded") and any(s.startswith("Dispatched to — Tech") for s in steps)
    assert page.locator("[data-testid=callback-attempt]").count() == 2
    assert "Accepted" in page.inner_text("[data-testid=signature]")
    page.click("[data-testid=photo-open]")
    wait_until(page, "document.querySelector('[data-testid=photo-full]')?.naturalWidth > 0", what="the full photo")
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid=photo-viewer]", state="detached")


def test_a_dispatcher_reviews_each_refusal_once_in_their_language_and_resolves_it(
        console: Page, as_user, world: World) -> None:
    disp, both = as_user("disp"), as_user("disp_both")
    # a technician's offline accept reaches the server after the office cancelled the order
    stale = disp.ok("create_work_order", **new_order_args(unit="4-404", title="Balcony drain"))
    disp.ok("dispatch", work_order_id=stale["id"], technician_id=world.users["tech"])
    disp.ok("cancel", work_order_id=stale["id"], reason="duplicate")
    device = Device(as_user("tech"))
    device.do("accept", client_ts=to_rfc3339(now() - timedelta(minutes=40)), work_order_id=stale["id"])
    device.sync_up()
    # and this dispatcher, online, dispatches an order a colleague has just cancelled
    page = console
    gone = both.ok("create_work_order", **new_order_args(unit="4-405", title="Hall light"))
    synced(page)
    page.evaluate("() => { location.hash = '#/board'; }")
    item = page.locator(f"[data-testid=dispatch-item][data-order-id='{gone['id']}']")
    item.wait_for()
    # the board has not heard of the colleague's cancel yet (the tablet's network dropped just then), so the
    # dispatch is queued on this device and refused when it reaches the server
    page.context.set_offline(True)
    disp.ok("cancel", work_order_id=gone["id"], reason="reported twice")
    item.locator("[data-testid=dispatch-submit]").click()
    page.context.set_offline(False)
    synced(page)
    synced(page)  # the second round brings the refusal back on the order

    page.select_option("[data-testid=language-switch]", "zh-CN")
    for order_id, offline in ((stale["id"], True), (gone["id"], False)):
        rows = page.locator(f"[data-testid=review-conflict][data-order-id='{order_id}']")
        expect(rows).to_contain_text("此步骤与工单当前状态不符")  # the catalog's words once the board is redrawn in Chinese
        assert rows.count() == 1, order_id
        assert "cannot" not in rows.inner_text()  # not the server's English
        assert (rows.locator("[data-testid=offline-marker]").count() == 1) is offline
    assert page.locator("[data-testid=review-rejection]").count() == 0  # this device's refusal is the conflict above, not a second item

    row = page.locator(f"[data-testid=review-conflict][data-order-id='{stale['id']}']")
    row.locator("[data-testid=resolve-resolution]").select_option("upheld")
    row.locator("[data-testid=resolve-note]").fill("已告知维修人员：重复报事")
    row.locator("[data-testid=resolve-submit]").click()
    synced(page)
    synced(page)
    page.wait_for_function("n => !document.querySelector(`[data-testid=review-conflict][data-order-id='${n}']:not([data-resolving])`)", arg=stale["id"])
    [conflict] = disp.order(stale["id"])["conflicts"]
    assert conflict["resolution"] == "upheld" and conflict["resolution_note"] == "已告知维修人员：重复报事" and conflict["resolved_at"]

    # the order view's timeline: a step done offline an hour before the server heard of it is marked, the office's online one is not
    late_args = new_order_args(unit="4-406", title="Water heater")
    office_device, field_device = Device(disp), Device(as_user("tech"))
    office_device.do("create_work_order", client_ts=to_rfc3339(now() - timedelta(hours=2)), **late_args)
    office_device.do("dispatch", client_ts=to_rfc3339(now() - timedelta(hours=2)), work_order_id=late_args["id"], technician_id=world.users["tech"])
    office_device.sync_up()
    field_device.do("accept", client_ts=to_rfc3339(now() - timedelta(hours=1)), work_order_id=late_args["id"])
    field_device.sync_up()
    synced(page)
    open_order(page, late_args["id"])
    accepted = page.locator("[data-testid=timeline-step][data-name=accept]")
    accepted.wait_for()
    assert accepted.locator("[data-testid=offline-marker]").count() == 1 and "Tech" in accepted.inner_text()
    open_order(page, stale["id"])
    resolved = page.locator("[data-testid=timeline-step][data-name=resolve_conflict]")
    resolved.wait_for()
    assert resolved.locator("[data-testid=offline-marker]").count() == 0 and "Chen Both" in resolved.inner_text()

def test_a_disputed_order_is_sent_back_by_the_office_and_signed_again_by_the_customer(
        console: Page, browser: Browser, live: LiveServer, as_user, world: World) -> None:
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"], unit="9-901", title="Shower leaking")
    sign(tech, order, sha(b"refused at first"), accepted=False, comment="Still leaking")
    page = console
    synced(page)
    open_order(page, order["id"])
    page.wait_for_selector("[data-testid=disputed-next]")
    assert page.locator("[data-testid=disputed-rework]").get_attribute("href") == f"#/report/rework/{order['id']}"
    page.fill("[data-testid=note-text]", "Customer agreed to a second visit")
    page.click("[data-testid=note-submit]")
    page.click("[data-testid=office-dispatch]")  # sent back to the same technician
    page.wait_for_selector("[data-testid=job-screen][data-status=dispatched]")
    synced(page)
    back = disp.order(order["id"])
    assert back["status"] == "dispatched" and back["notes"][-1]["text"] == "Customer agreed to a second visit"

    second = completed_order(disp, tech, world.users["tech"], unit="9-902", title="Shower leaking again")
    sign(tech, second, sha(b"refused once"), accepted=False, comment="Grout still wet")
    tech_ctx = browser.new_context(locale="en-US", timezone_id="Asia/Shanghai", viewport={"width": 800, "height": 1200})
    try:
        tablet = tech_ctx.new_page()
        sign_in(tablet, live.url, "tech", "[data-testid=jobs-screen]")
        open_order(tablet, second["id"])
        assert tablet.locator("[data-testid=office-dispatch]").count() == 0  # the office's buttons are not the technician's
        tablet.click("[data-testid=hand-to-customer]")
        draw_signature(tablet)
        tablet.fill("[data-testid=signer-name]", "Ms Wang")
        tablet.click("[data-testid=sign-accept]")
        tablet.wait_for_selector("[data-testid=signed-screen][data-status=signed_off]")
        synced(tablet)
    finally:
        tech_ctx.close()
    signed = disp.order(second["id"])
    assert signed["status"] == "signed_off" and signed["signature"]["accepted"] is True
    assert [e["name"] for e in signed["events"]][-2:] == ["sign_off", "sign_off"]

