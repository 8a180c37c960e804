"""Browser fixtures for the PWA: pwa/ served as static files laid out as the app serves it
(index at /, sw.js at /sw.js), and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types a PWA needs; /api/* is absent until the real server runs."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".webmanifest": "application/manifest+json",
                      ".json": "application/json"}

    def log_message(self, format: str, *args: object) -> None:
        pass


class StaticServer:
    def __init__(self, root: Path) -> None:
        handler = functools.partial(QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "StaticServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def pwa_server() -> Iterator[StaticServer]:
    server = StaticServer(PWA_DIR).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # no skip when Chromium is missing: launching fails and so does the test
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, pwa_server: StaticServer) -> Page:
    page = context.new_page()
    page.goto(pwa_server.url + "/")
    page.wait_for_selector("html[data-ready=true]")
    return page


def import_module(page: Page, path: str, expression: str, arg: object = None) -> object:
    """Evaluates `expression` (a function body with `m` = the module, `arg`) in the page."""
    return page.evaluate(
        f"async ([path, arg]) => {{ const m = await import(path); return await (async (m, arg) => {{ {expression} }})(m, arg); }}",
        [path, arg],
    )
