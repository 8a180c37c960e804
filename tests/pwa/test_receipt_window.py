"""Against the real server: the receipt the app opens is shown in a sandboxed frame with an opaque origin,
so nothing in it runs with the app's origin, storage or token (a blob: URL of the app would)."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.evidence.flow import completed_order, sign, upload
from tests.evidence.photos import signature_png
from tests.live_server import LiveServer
from tests.pwa.app_steps import sign_in
from tests.world import World


def test_the_receipt_opens_in_a_sandboxed_frame_outside_the_apps_origin(browser: Browser, live: LiveServer, world: World, as_user) -> None:
    tech = as_user("tech")
    order = completed_order(as_user("disp"), tech, world.users["tech"], title="Receipt in a sandbox")
    sign(tech, order, upload(tech, signature_png(b"sandbox")))

    ctx = browser.new_context(locale="en", viewport={"width": 800, "height": 1000})
    page = ctx.new_page()
    violations: list[str] = []
    try:
        sign_in(page, live.url, "tech", "[data-testid=jobs-screen]")
        page.wait_for_selector("[data-testid=sync-state][data-state=ok]")
        page.goto(f"{live.url}/#/job/{order['id']}")
        with ctx.expect_page() as opened:
            page.click("[data-testid=receipt-link]")
        receipt_window = opened.value
        receipt_window.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        frame_element = receipt_window.wait_for_selector("iframe[sandbox]")
        assert frame_element.get_attribute("sandbox") == "allow-scripts allow-modals"
        frame = frame_element.content_frame()
        frame.wait_for_selector("text=Receipt in a sandbox")
        assert not receipt_window.url.startswith("blob:")
        # An opaque origin: no access to the app's storage (where its token lives) nor to the opener.
        assert frame.evaluate("window.origin") == "null"
        assert frame.evaluate("() => { try { indexedDB.open('fieldops'); return 'opened'; } catch (e) { return e.name; } }") == "SecurityError"
        assert frame.evaluate("() => { try { return String(window.top.opener.document.cookie); } catch (e) { return e.name; } }") == "SecurityError"
        # The print button's handler is allowed by the policy's hash: it runs without a violation.
        frame.evaluate("() => { window.print = () => { document.body.dataset.printed = 'yes'; }; }")
        frame.click("button")
        frame.wait_for_selector("body[data-printed=yes]")
        assert violations == []
    finally:
        ctx.close()
