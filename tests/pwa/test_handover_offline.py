"""The handover with no network (a guard in a basement guard room): the open alarm is listed from the
replica, nobody can be confirmed on duty so the guard is warned, and the end of shift with its note
waits in the outbox like any other step."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page

from tests.pwa.app_steps import wait_until, outbox
from tests.pwa.seeded_replica import ALARM, go, seed

GUARD = {"id": "u-guard", "name": "张保安", "role": "guard", "site_ids": ["lotus"]}


def test_offline_the_guard_is_warned_and_the_handover_waits_in_the_outbox(context: BrowserContext, page: Page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    seed(page, GUARD, [("alarm", ALARM), ("site", {"id": "lotus", "name": "荷花苑"})])
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout_s=15, what="the service worker in control")  # the shell, handover screen included, is cached
    context.set_offline(True)
    go(page, "#/alarms", "guard-screen")
    page.click("[data-testid=start-shift]")
    page.click("[data-testid=end-shift]")
    page.wait_for_selector("[data-testid=handover-screen]")
    assert "荷花苑" in page.locator("[data-testid=handover-screen]").inner_text()
    assert page.locator("[data-testid=handover-alarm][data-alarm-id='al-1']").is_visible()
    assert page.locator("[data-testid=handover-warning]").is_visible()  # nobody known to be on duty: say so
    page.fill("[data-testid=handover-note]", "B2 漏水未确认，已电话通知主管")
    page.click("[data-testid=end-shift-anyway]")
    page.wait_for_selector("[data-testid=start-shift]")
    assert [(m["name"], m["args"]) for m in outbox(page)] == [
        ("start_shift", {"site_id": "lotus"}), ("end_shift", {"site_id": "lotus", "handover_note": "B2 漏水未确认，已电话通知主管"})]
    assert not errors, errors
