"""Every visible string comes from the catalogs: both languages have the same keys, every key the
code asks for exists, the browser language picks the default, and the switch sticks."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Browser, expect

from tests.pwa.conftest import PWA_DIR, StaticServer


AREAS = re.findall(r'"(\w+)"', re.search(r"CATALOG_AREAS = \[([^\]]*)\]", (PWA_DIR / "js" / "i18n.js").read_text(encoding="utf-8")).group(1))


def catalog(lang: str) -> dict[str, str]:
    """The merged catalog the app loads: the core file and every area's; no key is defined twice."""
    merged: dict[str, str] = json.loads((PWA_DIR / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    for area in AREAS:
        part = json.loads((PWA_DIR / "i18n" / f"{area}.{lang}.json").read_text(encoding="utf-8"))
        assert not part.keys() & merged.keys(), (area, sorted(part.keys() & merged.keys()))
        merged.update(part)
    return merged


def test_chinese_and_english_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh-CN"), catalog("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert set(re.findall(r"\{\w+\}", zh[key])) == set(re.findall(r"\{\w+\}", en[key])), key


def test_every_literal_message_key_in_the_code_is_in_the_catalog() -> None:
    keys = catalog("en").keys()
    used: set[str] = set()
    for path in [*PWA_DIR.rglob("*.js"), PWA_DIR / "index.html"]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_.]+)"', text))
        used |= set(re.findall(r'data-i18n="([a-z_]+\.[^"]+)"', text))
        used |= {pair.split(":")[1] for attr in re.findall(r'data-i18n-attr="([a-z-]+:[a-z_]+\.[^"]+)"', text) for pair in attr.split(";")}
    missing = sorted(used - keys)
    assert not missing, missing


def test_language_follows_the_browser_and_the_switch_is_remembered(browser: Browser, pwa_server: StaticServer) -> None:
    english = browser.new_context(locale="en-US")
    page = english.new_page()
    page.goto(pwa_server.url + "/")
    page.wait_for_selector("html[data-ready=true]")
    assert page.locator("[data-testid=login-submit]").inner_text() == "Sign in"
    page.select_option("[data-testid=language-switch]", "zh-CN")
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")
    expect(page.locator("[data-testid=login-submit]")).to_have_text("登录")  # the screen re-renders just after
    expect(page.locator("[data-testid=sync-state]")).to_have_text("✓ 全部已同步")  # re-worded just after the switch
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    assert page.locator("[data-testid=login-submit]").inner_text() == "登录"
    english.close()


def test_any_chinese_browser_gets_simplified_chinese(browser: Browser, pwa_server: StaticServer) -> None:
    for locale in ["zh-TW", "zh-CN"]:
        ctx = browser.new_context(locale=locale)
        page = ctx.new_page()
        page.goto(pwa_server.url + "/")
        page.wait_for_selector("html[data-ready=true]")
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        ctx.close()
