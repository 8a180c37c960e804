"""The admin's console in Chromium against the real server: a site is added, a user is created for it
in the UI and then signs in on the same device; deactivated in the UI, the user can no longer sign in."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.pwa.app_steps import sign_in


def sign_in_as(page: Page, username: str, password: str) -> None:
    page.wait_for_selector("[data-testid=login-username]")
    page.fill("[data-testid=login-username]", username)
    page.fill("[data-testid=login-password]", password)
    page.click("[data-testid=login-submit]")


def test_an_admin_creates_a_user_in_the_console_who_then_signs_in(browser: Browser, start_server) -> None:
    server = start_server()
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1200})
    errors: list[str] = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, server.url, "root", "[data-testid=admin-screen]")  # an admin's home is the admin console

        page.fill("[data-testid=site-id]", "east")
        page.fill("[data-testid=site-name]", "东园")
        page.click("[data-testid=site-submit]")
        page.wait_for_selector("[data-testid=site-item][data-site-id=east]")
        assert page.inner_text("[data-testid=admin-status]") == "项目 东园 已新增。"

        page.fill("[data-testid=user-username]", "xin")
        page.fill("[data-testid=user-name]", "辛师傅")
        page.fill("[data-testid=user-password]", "short")
        page.select_option("[data-testid=user-role]", "technician")
        page.check("[data-testid=user-site-east]")
        page.click("[data-testid=user-submit]")  # the browser's own check (8 characters) stops it first
        assert page.locator("[data-testid=user-item][data-username=xin]").count() == 0
        page.fill("[data-testid=user-password]", "xin-pass-2026")
        page.click("[data-testid=user-submit]")
        page.wait_for_selector("[data-testid=user-item][data-username=xin]")
        assert page.inner_text("[data-testid=admin-status]") == "用户 xin 已新增，可以登录。"

        # a second account with the same username is refused in words, at the top of the form
        page.fill("[data-testid=user-username]", "xin")
        page.fill("[data-testid=user-password]", "another-pass-1")
        page.click("[data-testid=user-submit]")
        page.wait_for_selector("[data-testid=user-error]:has-text('这个登录名已被使用。')")

        page.click("[data-testid=logout]")

        page.wait_for_selector("[data-testid=login-username]")  # signed out before the next page loads
        sign_in_as(page, "xin", "xin-pass-2026")
        page.wait_for_selector("[data-testid=jobs-screen]")  # a technician's home
        auth = page.evaluate("import('/js/db.js').then((db) => db.getMeta('auth'))")
        assert auth["user"]["name"] == "辛师傅" and auth["user"]["site_ids"] == ["east"]

        page.click("[data-testid=logout]")

        page.wait_for_selector("[data-testid=login-username]")  # signed out before the next page loads
        sign_in_as(page, "root", "correct-horse-9")
        page.wait_for_selector("[data-testid=user-item][data-username=xin]")
        page.click("[data-testid=user-item][data-username=xin] [data-testid=user-edit]")
        page.click("[data-testid=user-item][data-username=xin] [data-testid=user-deactivate]")
        page.wait_for_selector("[data-testid=user-item][data-username=xin][data-active=false]")
        page.click("[data-testid=logout]")
        page.wait_for_selector("[data-testid=login-username]")  # signed out before the next page loads
        sign_in_as(page, "xin", "xin-pass-2026")
        page.wait_for_selector("[data-testid=login-error]:has-text('用户名或密码错误')")
    finally:
        ctx.close()
    accounts = {a["username"]: a for a in server.login("root").get("/api/v1/accounts").json()}
    assert (accounts["xin"]["role"], accounts["xin"]["site_ids"], accounts["xin"]["active"]) == ("technician", ["east"], False)
    assert not errors, errors
