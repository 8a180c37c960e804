"""Layout on a 360-px phone: no screen of any role scrolls sideways (tests/pwa/every_screen.py lists them),
the top bar is one row no taller than its tap targets, and the login screen offers no "log out"."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.pwa.every_screen import visit_every_screen, world_for_screens

PHONE = {"width": 360, "height": 740}
TABLET = {"width": 800, "height": 1280}
TAP_PX = 48  # app.css --tap (18 px root): a glove-sized target, and all the bar needs


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_no_screen_scrolls_sideways_on_a_360px_phone_and_the_top_bar_is_one_row(
        browser: Browser, alarm_server, publisher, locale: str, tmp_path: Path) -> None:
    server = alarm_server()
    ids = world_for_screens(server, publisher)
    wide, tall_bars, seen = {}, {}, []
    for screen, page in visit_every_screen(browser, server, ids, locale, PHONE):
        name = f"{screen.role} {screen.route}"
        seen.append(name)
        overflow = page.evaluate("""() => {
          const width = document.documentElement.clientWidth;
          // a visually hidden block (absolute, clipped: the folded table's header) is for screen readers only
          const clipped = (el) => { for (let e = el; e; e = e.parentElement) {
            const cs = getComputedStyle(e); if (cs.position === 'absolute' && cs.overflow === 'hidden') return true; } return false; };
          const over = [...document.querySelectorAll('body *')].filter((el) => {
            const r = el.getBoundingClientRect();
            return r.width && (r.right > width + 1 || r.left < -1) && !clipped(el);
          }).slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className} ${el.dataset.testid || ''}`);
          return {scroll: document.documentElement.scrollWidth, width, over};
        }""")
        if overflow["scroll"] > overflow["width"] or overflow["over"]:
            wide[name] = overflow
        bar = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
        if bar > TAP_PX + 2 * 5:  # the tallest target and the bar's padding
            tall_bars[name] = bar
        if screen.route == "#/login":
            assert page.locator("[data-testid=logout]").is_hidden(), "log out offered on the login screen"
        page.screenshot(path=str(tmp_path / f"{locale}-{screen.role}-{screen.route.split('/')[1]}.png"), full_page=True)
    assert len(seen) >= 14 and not wide, wide
    assert not tall_bars, tall_bars


def test_after_signing_out_the_login_screen_offers_no_log_out(browser: Browser, live) -> None:
    from tests.pwa.app_steps import sign_in

    ctx = browser.new_context(locale="zh-CN", viewport=PHONE)
    try:
        page = ctx.new_page()
        sign_in(page, live.url, "tech", "[data-testid=jobs-screen]")
        assert page.locator("[data-testid=logout]").is_visible()
        page.click("[data-testid=logout]")
        page.wait_for_selector("[data-testid=login-username]")  # signed out before the next page loads
        page.wait_for_selector("[data-testid=login-form]")
        assert page.locator("[data-testid=logout]").is_hidden()
    finally:
        ctx.close()
