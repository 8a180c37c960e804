"""Against the real server: the receipt the app shows is its own screen, rendered on the device from the replica
and what was signed (no server HTML in the app's origin, no new window, no blob: URL), with the service centre's
view of the customer for a dispatcher."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.evidence.flow import completed_order, sign, upload
from tests.evidence.photos import signature_png
from tests.live_server import LiveServer
from tests.pwa.app_steps import sign_in
from tests.world import World


def test_the_receipt_is_the_apps_own_screen_not_the_servers_html(browser: Browser, live: LiveServer, world: World, as_user) -> None:
    tech = as_user("tech")
    order = completed_order(as_user("disp"), tech, world.users["tech"], title="Receipt on the device")
    sign(tech, order, upload(tech, signature_png(b"own screen")))

    ctx = browser.new_context(locale="en", viewport={"width": 800, "height": 1000})
    page = ctx.new_page()
    opened: list[str] = []
    ctx.on("page", lambda p: opened.append(p.url))
    try:
        sign_in(page, live.url, "disp", "[data-testid=dispatcher-screen]")
        page.wait_for_selector("[data-testid=sync-state][data-state=ok]")
        page.goto(f"{live.url}/#/job/{order['id']}")
        page.click("[data-testid=receipt-link]")
        page.wait_for_selector("[data-testid=receipt-screen][data-source=replica]")
        assert page.url.endswith(f"#/receipt/{order['id']}") and opened == []
        assert page.locator("iframe").count() == 0
        assert page.locator("[data-testid=receipt-signer]").inner_text() == "王女士"  # the service centre sees the customer
        assert page.locator("[data-testid=receipt-consent]").inner_text().startswith("Ms Wang")
    finally:
        ctx.close()
