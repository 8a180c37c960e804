"""The customer's half of the sign-off, in headless Chromium against the real server (issue #11): a sign-off a
resident understands (site name, photos with their kinds opening full screen, the total, one sentence, a short
code, their name prefilled), no blank screen after signing at two phone sizes after scrolling, the receipt
rendered on the device and opened offline with every name and time (and printed to A4 and A5), the link and QR
code for the customer opened in a fresh context with no account, a wrong token refused, the PDF downloaded, and a
refusal recorded on the customer's behalf; zh-CN and en."""

from __future__ import annotations

import io

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from tests.evidence.flow import completed_order, document_hash, upload
from tests.evidence.photos import phone_photo
from tests.live_server import LiveServer
from tests.pwa.app_steps import draw_signature, sign_in, synced, wait_for_the_service_worker, wait_until
from tests.world import World

SHOTS = "tests/pwa/screenshots"
CLEANUP_EN = "Cleaned up"


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def job_with_photos(as_user, world: World, title: str) -> dict:
    """A completed paid order with a `before` and a `cleanup` photo, the customer Ms Wang on the consent."""
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"], title=title)
    before = upload(tech, phone_photo(96, 64, seed=title.encode()))
    tech.ok("attach_photo", work_order_id=order["id"], sha256=before, kind="before", taken_at="2026-11-23T09:00:00Z")
    return tech.order(order["id"])


def open_sign_off(browser: Browser, live: LiveServer, order_id: str, locale: str, viewport: dict) -> tuple:
    ctx = browser.new_context(locale=locale, viewport=viewport, has_touch=True, is_mobile=viewport["width"] < 500)
    page = ctx.new_page()
    sign_in(page, live.url, "tech", "[data-testid=jobs-screen]")
    page.wait_for_selector("[data-testid=sync-state][data-state=ok]", state="attached")
    # the sign-off renders once from the replica (it never redraws under the customer): the pull must have brought the order
    wait_until(page, f"import('/js/db.js').then((db) => db.getObject('work_order', '{order_id}')).then((r) => Boolean(r))",
               what="the order in the device's replica")
    page.goto(f"{live.url}/#/sign/{order_id}")
    page.wait_for_selector("[data-testid=sign-off-screen]")
    return ctx, page


def visible_signed_screen(page: Page) -> None:
    """What the customer sees after signing is the thanks, from the top: not a white page (it was: the page kept its
    old scroll offset, visualViewport.offsetTop 334, and the hash line made it 707 px wide on a 390-px phone)."""
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("visualViewport.offsetTop") == 0 and page.evaluate("visualViewport.pageTop") == 0
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the page is wider than the phone"
    assert page.evaluate("""() => { const el = document.elementFromPoint(innerWidth / 2, 60);
                                    return Boolean(el && el.closest('[data-testid=signed-screen]')); }""")
    box = page.locator("[data-testid=signed-screen] h1").bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"] / 2
    shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
    dark = sum(shot.histogram()[:128])
    assert dark > 500, f"the screen after signing is blank ({dark} dark pixels)"


@pytest.mark.parametrize("locale,viewport", [("zh-CN", {"width": 360, "height": 640}), ("en", {"width": 390, "height": 844})])
def test_a_resident_reads_the_sign_off_signs_after_scrolling_and_sees_the_thanks(browser: Browser, live: LiveServer, world: World,
                                                                                as_user, locale: str, viewport: dict) -> None:
    tech = as_user("tech")
    disp = as_user("disp")
    order = completed_order(disp, tech, world.users["tech"], title=f"Tap dripping {locale}")
    ctx, page = open_sign_off(browser, live, order["id"], locale, viewport)
    try:
        # the site by name, never its id; every photo with its kind; the total; the sentence; a short code
        assert page.locator("[data-testid=doc-site]").inner_text() == "North Court"
        assert page.locator("[data-testid=doc-unit]").inner_text().endswith(order["unit"])
        assert page.locator("[data-testid=doc-photo-kind]").all_inner_texts() == ["清理后" if locale == "zh-CN" else CLEANUP_EN]
        assert page.locator("[data-testid=doc-total]").inner_text() == "¥85.00"
        sentence = page.locator("[data-testid=sign-confirms]").inner_text()
        assert "¥85.00" in sentence and order["title"] in sentence and ("签字即表示" in sentence if locale == "zh-CN" else "By signing" in sentence)
        code = page.locator("[data-testid=verification-code]").inner_text()
        assert code == f"{document_hash(order)[:4]}-{document_hash(order)[4:8]}".upper()
        assert document_hash(order) not in page.locator("[data-testid=sign-off-screen]").inner_text()
        assert page.get_attribute("[data-testid=sign-off-screen]", "data-document-sha256") == document_hash(order)
        assert page.input_value("[data-testid=signer-name]") == "Ms Wang"  # prefilled online too, from the consent
        page.screenshot(path=f"{SHOTS}/customer-sign-off-{viewport['width']}-{locale}.png", full_page=True)

        # the photo opens full screen and zooms
        page.click("[data-testid=doc-photo-open]")
        page.wait_for_selector("[data-testid=zoom-viewer][open]")
        wait_until(page, "document.querySelector('[data-testid=viewer-image]').naturalWidth > 0", what="the photo in the viewer")
        page.click("[data-testid=viewer-zoom-in]")
        assert page.get_attribute("[data-testid=zoom-viewer]", "data-scale") == "1.50"
        page.screenshot(path=f"{SHOTS}/customer-photo-viewer-{viewport['width']}-{locale}.png")
        page.click("[data-testid=viewer-close]")
        page.wait_for_selector("[data-testid=zoom-viewer]", state="detached")

        # scroll to the bottom, type in the comment (the keyboard would push the page), draw, accept
        page.fill("[data-testid=sign-comment]", "很好" if locale == "zh-CN" else "All good")
        draw_signature(page)
        page.locator("[data-testid=sign-accept]").scroll_into_view_if_needed()
        page.focus("[data-testid=sign-comment]")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert page.evaluate("window.scrollY") > 200
        page.click("[data-testid=sign-accept]")
        page.wait_for_selector("[data-testid=signed-screen][data-status=signed_off]")
        visible_signed_screen(page)
        assert page.locator("[data-testid=signed-verification-code]").inner_text() == code
        page.screenshot(path=f"{SHOTS}/customer-signed-{viewport['width']}-{locale}.png")
        synced(page)
    finally:
        ctx.close()
    assert tech.order(order["id"])["status"] == "signed_off"


def test_the_receipt_opens_offline_with_the_customers_names_and_every_time_and_prints_on_a4_and_a5(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    order = job_with_photos(as_user, world, "Bathroom fan replaced")
    ctx, page = open_sign_off(browser, live, order["id"], "zh-CN", {"width": 390, "height": 844})
    try:
        wait_for_the_service_worker(page)
        page.fill("[data-testid=signer-name]", "王女士")
        draw_signature(page)
        page.click("[data-testid=sign-accept]")
        page.wait_for_selector("[data-testid=signed-screen]")
        synced(page)
        ctx.set_offline(True)  # the customer asks for the receipt in the basement
        page.click("[data-testid=receipt-link]")
        page.wait_for_selector("[data-testid=receipt-screen][data-source=device]")
        assert page.locator("[data-testid=receipt-signer]").inner_text() == "王女士"
        assert page.locator("[data-testid=receipt-consent]").inner_text().startswith("Ms Wang · 已签名确认")
        assert page.locator("[data-testid=receipt-site]").inner_text() == "North Court"
        assert page.locator("[data-testid=receipt-technician]").inner_text() == "Tech"
        steps = page.eval_on_selector_all("[data-testid=receipt-times] tr", "rows => rows.map(r => r.dataset.step)")
        assert steps == ["created_at", "dispatched_at", "accepted_at", "arrived_at", "completed_at", "signed_at"]
        times = page.locator("[data-testid=receipt-times]").inner_text()
        assert "接单时间" in times and "北京时间" in page.locator("[data-testid=receipt-screen]").inner_text()
        assert page.locator("[data-testid=receipt-hash]").inner_text() == document_hash(order)
        assert page.locator("[data-testid=receipt-photo]").count() == 2
        wait_until(page, "[...document.querySelectorAll('[data-testid=receipt-screen] img')].every((i) => i.complete && i.naturalWidth > 0)",
                   what="photos and signature from the device's own bytes")
        page.screenshot(path=f"{SHOTS}/receipt-offline-phone-zh-CN.png", full_page=True)
        # the technician leaves this screen and comes back: still the customer's names, not "—"
        page.goto(f"{live.url}/#/job/{order['id']}")
        page.wait_for_selector("[data-testid=job-screen]")
        page.click("[data-testid=receipt-link]")
        page.wait_for_selector("[data-testid=receipt-screen]")
        assert page.locator("[data-testid=receipt-signer]").inner_text() == "王女士"
        for size in ("A4", "A5"):
            page.emulate_media(media="print")
            pdf = page.pdf(format=size, print_background=True)
            text = pdf_text(pdf)
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
            assert "王女士" in text and "维修服务通知单" in text and document_hash(order)[:16] in text.replace("\n", "")
            assert "打印" not in text and "给客户链接" not in text, "the buttons are not printed"
            assert pages <= (2 if size == "A4" else 3), (size, pages)
        page.set_viewport_size({"width": 559, "height": 794})  # A5's width at 96 dpi, as printed
        page.screenshot(path=f"{SHOTS}/receipt-print-a5-zh-CN.png", full_page=True)
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 390, "height": 844})
        page.click("[data-testid=receipt-share-link]")
        assert "网络" in page.locator("[data-testid=receipt-message]").inner_text()  # offline: said, not an alert
    finally:
        ctx.close()


def test_the_customer_gets_a_link_and_qr_code_that_open_the_receipt_and_pdf_with_no_account(
        browser: Browser, live: LiveServer, world: World, as_user) -> None:
    tech = as_user("tech")
    order = completed_order(as_user("disp"), tech, world.users["tech"], title="Balcony door lock")
    ctx, page = open_sign_off(browser, live, order["id"], "en", {"width": 800, "height": 1100})
    try:
        page.fill("[data-testid=signer-name]", "Wang Li")
        draw_signature(page)
        page.click("[data-testid=sign-accept]")
        page.wait_for_selector("[data-testid=signed-screen]")
        synced(page)
        page.click("[data-testid=receipt-link]")
        page.wait_for_selector("[data-testid=receipt-screen]")
        page.click("[data-testid=receipt-share-link]")
        qr = page.wait_for_selector("[data-testid=receipt-qr]")
        wait_until(page, "document.querySelector('[data-testid=receipt-qr]').naturalWidth > 0", what="the QR code drawn")
        url = page.locator("[data-testid=receipt-url]").inner_text()
        assert url.startswith(f"{live.url}/r/")
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        assert [b.text for b in decoded] == [url]
        page.screenshot(path=f"{SHOTS}/receipt-link-qr-tablet-en.png", full_page=True)
        # the staff PDF downloads from the receipt screen; the server's copy follows the privacy rule (README): a
        # technician no longer sees the customer of a signed-off order, so it has no name (the customer's copy has)
        with page.expect_download() as download:
            page.click("[data-testid=receipt-pdf]")
        assert download.value.suggested_filename == f"receipt-{order['id']}.pdf"
        staff_copy = pdf_text(download.value.path().read_bytes())
        assert "Balcony door lock" in staff_copy and "Wang Li" not in staff_copy
    finally:
        ctx.close()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 640})  # the customer's phone, no account
    try:
        customer = phone.new_page()
        response = customer.goto(url)
        assert response is not None and response.status == 200
        assert "Wang Li" in customer.inner_text("body") and "接单时间" in customer.inner_text("body")
        assert customer.evaluate("document.documentElement.scrollWidth <= innerWidth")
        customer.screenshot(path=f"{SHOTS}/receipt-link-phone-zh-CN.png", full_page=True)
        with customer.expect_download() as download:
            customer.click("a[download]")
        assert "Wang Li" in pdf_text(download.value.path().read_bytes())
        token = url.rsplit("/", 1)[1]
        wrong = customer.goto(url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B")))
        assert wrong is not None and wrong.status == 404 and "Wang Li" not in customer.content()
    finally:
        phone.close()
    assert tech.delete(f"/api/v1/work-orders/{order['id']}/receipt-link").status_code == 204
    assert httpx.get(url).status_code == 404  # revoked: the same link opens nothing


def test_the_technician_records_a_refusal_for_the_customer_and_it_is_marked(browser: Browser, live: LiveServer, world: World, as_user) -> None:
    tech = as_user("tech")
    order = completed_order(as_user("disp"), tech, world.users["tech"], title="Radiator still cold")
    ctx, page = open_sign_off(browser, live, order["id"], "zh-CN", {"width": 360, "height": 640})
    try:
        page.check("[data-testid=sign-on-behalf]")
        page.click("[data-testid=sign-accept]")
        assert "只用于拒签" in page.locator("[data-testid=sign-message]").inner_text()
        page.fill("[data-testid=sign-comment]", "暖气还是不热")
        page.click("[data-testid=sign-refuse]")
        page.wait_for_selector("[data-testid=signed-screen][data-status=disputed]")
        visible_signed_screen(page)
        assert page.locator("[data-testid=signed-on-behalf]").is_visible()
        synced(page)
        page.click("[data-testid=receipt-link]")
        page.wait_for_selector("[data-testid=receipt-on-behalf]")
        assert page.locator("[data-testid=receipt-outcome]").inner_text() == "客户拒绝验收"
    finally:
        ctx.close()
    signature = as_user("disp").order(order["id"])["signature"]  # the service centre sees the customer's details
    assert signature["on_behalf"] is True and signature["signature_sha256"] is None and signature["comment"] == "暖气还是不热"
