"""A long day offline: more steps than one request may carry are sent in pages, and all land once."""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import Browser

from tests.live_server import ApiClient, LiveServer
from tests.pwa.app_steps import sign_in, wait_until
from tests.world import World


def test_six_hundred_queued_notes_reach_the_server_in_pages_exactly_once(browser: Browser, live: LiveServer, world: World, as_user) -> None:
    office: ApiClient = as_user("disp")
    order_id = str(uuid.uuid4())
    office.ok("create_work_order", id=order_id, site_id="north", unit="B2", category="repair", priority="normal",
              title="Pump room survey", description="note every valve", reporter={"name": "Mr Li", "phone": "13900000000"})
    office.ok("dispatch", work_order_id=order_id, technician_id=world.users["tech"])
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        sign_in(page, live.url, "tech", "[data-testid=job-item]")
        ctx.set_offline(True)
        page.evaluate("""async (orderId) => {
            const { enqueue } = await import('/sync.js');
            const { uuid7 } = await import('/js/uuid7.js');
            for (let n = 0; n < 600; n++) await enqueue('add_note', { work_order_id: orderId, id: uuid7(), text: 'valve ' + n });
        }""", order_id)
        pushed: list[int] = []
        page.on("request", lambda r: pushed.append(len(json.loads(r.post_data)["mutations"])) if r.url.endswith("/api/v1/sync/push") else None)
        ctx.set_offline(False)
        page.evaluate("() => window.fieldops.syncNow()")
        page.wait_for_function("async () => (await window.fieldops.pendingCounts()).total === 0", timeout=60_000)
    finally:
        ctx.close()
    assert sum(pushed) >= 600 and max(pushed) <= 500  # pages, each well under the server's body limit
    notes = office.order(order_id)["notes"]
    assert len(notes) == 600 and len({n["id"] for n in notes}) == 600


def test_after_a_mutation_gap_the_app_renumbers_from_the_id_the_refusal_names_without_a_full_pull(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    office: ApiClient = as_user("disp")
    order_id = str(uuid.uuid4())
    office.ok("create_work_order", id=order_id, site_id="north", unit="B3", category="repair", priority="normal",
              title="Boiler room check", description="gauges", reporter={"name": "Mr Li", "phone": "13900000000"})
    office.ok("dispatch", work_order_id=order_id, technician_id=world.users["tech"])
    ctx = browser.new_context(locale="en-US")
    page = ctx.new_page()
    try:
        sign_in(page, live.url, "tech", "[data-testid=job-item]")
        ctx.set_offline(True)
        # the server knows fewer mutations than the device numbered (a restored backup): the queue starts at 7, the server at 0
        page.evaluate("""async (orderId) => {
            const { setMeta } = await import('/js/db.js');
            await setMeta('next_mutation_id', 7);
            const { enqueue } = await import('/sync.js');
            const { uuid7 } = await import('/js/uuid7.js');
            for (const text of ['gauge 1 ok', 'gauge 2 low']) await enqueue('add_note', { work_order_id: orderId, id: uuid7(), text });
        }""", order_id)
        seen: list[tuple[str, int, object]] = []
        page.on("response", lambda r: seen.append((r.url.rsplit("/", 1)[-1], r.status, json.loads(r.request.post_data or "{}")))
                if "/api/v1/sync/" in r.url else None)
        ctx.set_offline(False)
        page.evaluate("() => window.fieldops.syncNow()")
        wait_until(page, "(await window.fieldops.pendingCounts()).total === 0", timeout_s=30, what="the outbox to empty")
    finally:
        ctx.close()
    pushes = [(status, [m["id"] for m in body["mutations"]]) for path, status, body in seen if path == "push"]
    assert pushes[:2] == [(409, [7, 8]), (200, [1, 2])]  # renumbered from the refusal's last_mutation_id (0)
    assert not [body for path, _, body in seen if path == "pull" and body.get("cookie") is None]  # no full pull to learn it
    assert sorted(n["text"] for n in office.order(order_id)["notes"]) == ["gauge 1 ok", "gauge 2 low"]
