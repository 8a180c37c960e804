"""axe-core finds no critical or serious violation on any screen of any role (tests/pwa/every_screen.py
lists them), in Chinese and in English, against the real server with real data on every screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.pwa.axe_check import serious_violations, with_axe
from tests.pwa.every_screen import visit_every_screen, world_for_screens


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_no_screen_of_any_role_has_a_critical_or_serious_axe_violation(browser: Browser, alarm_server, publisher, locale: str) -> None:
    server = alarm_server()
    ids = world_for_screens(server, publisher)
    found = {}
    for screen, page in visit_every_screen(browser, server, ids, locale, {"width": 800, "height": 1000}, with_axe):
        violations = serious_violations(page)
        if violations:
            found[f"{screen.role} {screen.route}"] = violations
    assert not found, found


def test_the_check_reports_what_axe_calls_critical(browser: Browser) -> None:
    """The helper is not blind: an unnamed select and an unlabelled input are found, as on the old guard and call-back screens."""
    ctx = with_axe(browser.new_context())
    try:
        page = ctx.new_page()
        page.set_content('<html lang="en"><head><title>t</title></head><body><main><h1>x</h1>'
                         '<select><option>north</option></select><input name="comment"></main></body></html>')
        assert {v["id"] for v in serious_violations(page)} == {"select-name", "label"}
    finally:
        ctx.close()
