"""The installed shell: the service worker precaches a versioned list that names every file the
app loads, and after one visit the app opens with no network at all."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page

from tests.pwa.conftest import PWA_DIR, StaticServer
from tests.pwa.app_steps import wait_until


def precache_list() -> list[str]:
    source = (PWA_DIR / "sw.js").read_text(encoding="utf-8")
    block = re.search(r"const SHELL = \[(.*?)\];", source, re.S)
    assert block, "sw.js has no SHELL list"
    return re.findall(r'"([^"]+)"', block.group(1))


def test_precache_list_names_every_shell_file_and_only_files_that_exist() -> None:
    listed = {p for p in precache_list() if p != "/"}
    on_disk = {str(p.relative_to(PWA_DIR)) for p in PWA_DIR.rglob("*")
               if p.is_file() and p.suffix in {".js", ".json", ".css", ".html", ".png", ".webmanifest"}
               and p.name != "sw.js"}
    assert listed == on_disk


def test_the_app_opens_offline_after_the_first_visit(context: BrowserContext, page: Page,
                                                      pwa_server: StaticServer) -> None:
    wait_until(page, "navigator.serviceWorker.controller !== null", timeout_s=15, what="the service worker in control")
    cache_names = page.evaluate("caches.keys()")
    assert any(name.startswith("fieldops-shell-") for name in cache_names)
    pwa_server.stop()  # the server is gone, not just "offline" in the emulator
    context.set_offline(True)
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert page.locator("[data-testid=login-form]").is_visible()
    assert page.locator("[data-testid=login-submit]").inner_text() == "登录"
    page.screenshot(path=str(PWA_DIR.parent / "tests" / "pwa" / "screenshots" / "login-offline.png"))


def test_the_manifest_makes_the_app_installable() -> None:
    import json

    manifest = json.loads((PWA_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["display"] == "standalone" and manifest["start_url"]
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    from PIL import Image

    for icon in manifest["icons"]:
        with Image.open(PWA_DIR / icon["src"]) as img:
            assert f"{img.width}x{img.height}" == icon["sizes"]


def test_first_load_stays_under_150_kb_compressed_before_images() -> None:
    import gzip

    shell = [p for p in precache_list() if p != "/" and not p.endswith(".png") and p != "i18n/en.json"]
    # what a first visit transfers: every shell file (one catalog) plus the worker itself
    total = sum(len(gzip.compress((PWA_DIR / p).read_bytes(), 9)) for p in [*shell, "sw.js"])
    assert total < 150 * 1024, total
