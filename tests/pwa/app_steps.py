"""What a person does in the app, as Playwright steps shared by the browser tests: sign in, draw a
signature, read the outbox, and wait on a condition that needs `await` (wait_for_function does not retry those)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from PIL import Image
from playwright.sync_api import Page

from tests.world import PASSWORD


def wait_until(page: Page, async_expression: str, timeout_s: float = 15.0, what: str = "condition") -> Any:
    """Polls an expression that may return a promise until its value is truthy.

    Playwright's wait_for_function treats a returned promise as truthy and never polls it again, so
    conditions read from IndexedDB or the service worker are polled here instead."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(f"async () => ({async_expression})")
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}: {async_expression} was {value!r}")
        page.wait_for_timeout(100)


def wait_in_page(page: Page, check: Callable[[], Any], timeout_s: float = 10.0, what: str = "condition") -> Any:
    """Polls a Python check while the page runs: Playwright delivers events (responses, CDP) only
    while one of its calls is in progress, so a time.sleep loop would never see them."""
    deadline = time.monotonic() + timeout_s
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        page.wait_for_timeout(100)
    return value


def sign_in(page: Page, url: str, username: str, home_selector: str) -> None:
    """Opens the app and signs in through the form, as a person would; waits for `home_selector` on the home screen."""
    page.goto(url + "/")
    page.wait_for_selector("[data-testid=login-username]")
    page.fill("[data-testid=login-username]", username)
    page.fill("[data-testid=login-password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector(home_selector)


def wait_for_the_service_worker(page: Page) -> None:
    """The shell is precached and the page controlled: from here on it opens with no network."""
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout_s=15, what="the service worker in control")


def draw_signature(page: Page, testid: str = "signature-pad") -> None:
    """A scribble on the pad with the mouse (pointer events), as a finger would draw it."""
    pad = page.locator(f"[data-testid={testid}]")
    pad.wait_for()
    pad.scroll_into_view_if_needed()  # the mouse draws where the pad is on screen
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + 80)
    page.mouse.down()
    for i in range(1, 18):
        page.mouse.move(box["x"] + 30 + i * 14, box["y"] + 80 + (i % 4) * 15)
    page.mouse.up()


def outbox(page: Page) -> list[dict]:
    return page.evaluate("import('/js/db.js').then((db) => db.listOutbox())")


def photo_file(path: Path, size: tuple[int, int] = (2400, 1800), colour: tuple[int, int, int] = (120, 130, 140)) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def synced(page: Page, timeout_s: float = 20.0) -> None:
    """Everything the device holds has reached the server: no mutation and no blob left to send."""
    wait_until(page, "window.fieldops.syncNow().then(() => window.fieldops.pendingCounts())"
                     ".then((c) => c.total === 0 && c.blobs === 0)", timeout_s, "everything sent")
