"""The service targets console in Chromium against the real server: a supervisor sets a target for their
site, sees the server's refusals in words, and a new order created afterwards runs to the new due time on the
board while an older order keeps its own; an admin keeps the company-wide targets and the company's own days."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, Page

from server.clock import parse_rfc3339
from tests.live_server import new_order_args
from tests.pwa.app_steps import sign_in, wait_in_page, wait_until


def dispatch_due(order: dict) -> str:
    return next(s for s in order["sla"] if s["step"] == "dispatch")["due_at"]


def board_due(page: Page, order_id: str) -> str:
    """The deadline the board's countdown for this order runs to, once it has ticked."""
    selector = f"[data-testid=sla-row][data-order-id='{order_id}'] [data-testid=sla-countdown]"
    page.wait_for_selector(f"{selector}[data-step=dispatch]")
    return page.get_attribute(selector, "data-due-at") or ""


def same_moment(a: str, b: str) -> bool:
    """Equal to the millisecond a browser's Date keeps."""
    return abs(parse_rfc3339(a) - parse_rfc3339(b)) < timedelta(milliseconds=1)


def add_override(page: Page, step: str, applies: str, value: str, unit: str) -> None:
    form = "[data-testid=target-add][data-site-id=north]"
    page.select_option(f"{form} [data-testid=target-add-step]", step)
    page.select_option(f"{form} [data-testid=target-add-applies]", applies)
    page.fill(f"{form} [data-testid=target-add-value]", value)
    page.select_option(f"{form} [data-testid=target-add-unit]", unit)
    page.click(f"{form} [data-testid=target-add-submit]")


def test_a_supervisors_new_site_target_times_orders_created_afterwards_and_older_ones_keep_theirs(browser: Browser, start_server) -> None:
    server = start_server()
    disp = server.login("disp")
    older = disp.ok("create_work_order", **new_order_args("north", title="门禁失灵"))
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 800, "height": 1200})
    errors: list[str] = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, server.url, "boss", "[data-testid=supervisor-screen]")
        page.click("[data-testid=nav-targets]")
        page.wait_for_selector("[data-testid=site-targets][data-site-id=north] [data-testid=site-targets-empty]")
        company = "[data-testid=company-targets] [data-testid=target-item]"
        assert page.inner_text(f"{company}[data-key=dispatch]").split() == ["派单", "·", "所有工单", "2", "分钟"]
        assert page.inner_text(f"{company}[data-key=resolve] [data-testid=target-value]") == "3 个工作日"
        assert page.inner_text(f"{company}[data-key='resolve.type.gas_ignition']").split()[2:] == ["工作类型：燃气点火", "2", "个工作日"]
        assert page.locator("[data-testid=company-targets] [data-testid=target-edit]").count() == 0  # company-wide is the admin's
        assert page.locator("[data-testid=company-day-add]").count() == 0
        # only the supervisor's own site can be edited
        assert page.eval_on_selector_all("[data-testid=site-targets]", "els => els.map((e) => e.dataset.siteId)") == ["north"]

        # the server's refusals, in words, at the top of the form
        add_override(page, "call_back", "", "1", "hours")
        page.wait_for_selector("[data-testid=target-add-error]:has-text('回访时限必须指定适用的工单')")
        add_override(page, "dispatch", "", "400", "days")
        page.wait_for_selector("[data-testid=target-add-error]:has-text('时限太长')")

        add_override(page, "dispatch", "", "30", "minutes")
        item = "[data-testid=site-targets][data-site-id=north] [data-testid=target-item][data-key=dispatch]"
        page.wait_for_selector(item)
        assert page.inner_text("[data-testid=targets-status]") == "已保存：派单 · 所有工单。之后新建的工单按新时限计算。"
        assert page.inner_text(f"{item} [data-testid=target-value]") == "30 分钟"
        assert page.inner_text(f"{item} [data-testid=target-company-value]") == "全公司：2 分钟"

        newer = disp.ok("create_work_order", **new_order_args("north", title="楼道灯不亮"))
        assert parse_rfc3339(dispatch_due(newer)) - parse_rfc3339(newer["created_at"]) == timedelta(minutes=30)
        assert parse_rfc3339(dispatch_due(older)) - parse_rfc3339(older["created_at"]) == timedelta(minutes=2)

        page.click("[data-testid=nav-board]")
        page.wait_for_selector(f"[data-testid=sla-row][data-order-id='{newer['id']}']")
        assert same_moment(board_due(page, newer["id"]), dispatch_due(newer))
        assert same_moment(board_due(page, older["id"]), dispatch_due(older))
        countdown = page.inner_text(f"[data-testid=sla-row][data-order-id='{newer['id']}'] [data-testid=sla-countdown]")
        assert countdown.startswith("派单") and ("29:" in countdown or "30:00" in countdown), countdown

        # removed again: the site follows the company, and the order created under the site's target keeps it
        page.go_back()  # the board has no console navigation of its own: back to the targets, as a person would
        page.click(f"{item} [data-testid=target-edit]")
        page.click(f"{item} [data-testid=target-remove]")
        page.wait_for_selector("[data-testid=site-targets][data-site-id=north] [data-testid=site-targets-empty]")
        assert page.inner_text("[data-testid=targets-status]").startswith("已删除：派单 · 所有工单")
        assert dispatch_due(disp.order(newer["id"])) == dispatch_due(newer)
        latest = disp.ok("create_work_order", **new_order_args("north", title="水表井盖松动"))
        assert parse_rfc3339(dispatch_due(latest)) - parse_rfc3339(latest["created_at"]) == timedelta(minutes=2)
    finally:
        ctx.close()
    assert not errors, errors


def test_an_admin_sets_a_company_wide_target_and_the_companys_own_days(browser: Browser, start_server) -> None:
    server = start_server()
    ctx = browser.new_context(locale="en-US", viewport={"width": 360, "height": 740})
    errors: list[str] = []
    try:
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, server.url, "root", "[data-testid=admin-screen]")
        page.click("[data-testid=nav-targets]")
        item = "[data-testid=company-targets] [data-testid=target-item][data-key='resolve.help']"
        page.wait_for_selector(item)
        assert page.inner_text(f"{item} [data-testid=target-value]") == "24 h"
        page.click(f"{item} [data-testid=target-edit]")
        page.fill(f"{item} [data-testid=target-edit-value]", "2")
        page.select_option(f"{item} [data-testid=target-edit-unit]", "working_days")
        page.click(f"{item} [data-testid=target-save]")
        page.wait_for_selector(f"{item} [data-testid=target-value]:text-is('2 working days')")
        assert page.inner_text("[data-testid=targets-status]") == "Saved: Resolve · calls for help. Orders created from now on use it."
        # both sites are the admin's to set
        assert page.eval_on_selector_all("[data-testid=site-targets]", "els => els.map((e) => e.dataset.siteId)") == ["north", "south"]

        page.fill("[data-testid=company-day-date]", "2027-03-15")
        page.select_option("[data-testid=company-day-working]", "false")
        page.fill("[data-testid=company-day-reason]", "Typhoon closure")
        page.click("[data-testid=company-day-submit]")
        day = "[data-testid=company-day][data-day='2027-03-15'][data-working=false]"
        page.wait_for_selector(day)
        assert "Typhoon closure" in page.inner_text(day) and "closed" in page.inner_text(day)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, overflow  # nothing wider than the phone

        root = server.login("root")
        assert root.get("/api/v1/company-days").json() == [{"day": "2027-03-15", "working": False, "reason": "Typhoon closure"}]
        page.click(f"{day} [data-testid=company-day-remove]")
        wait_until(page, "document.querySelector('[data-testid=company-day]') === null", what="the day removed")
        assert root.get("/api/v1/company-days").json() == []
        assert {(t["key"], t["site_id"]): t["value"] for t in root.get("/api/v1/service-targets").json()}[("resolve.help", None)] == 2
    finally:
        ctx.close()
    assert not errors, errors


def test_the_targets_screen_tells_other_roles_it_is_not_theirs(browser: Browser, start_server) -> None:
    server = start_server()
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "disp", "[data-testid=dispatcher-screen]")
        page.evaluate("location.hash = '#/targets'")
        page.wait_for_selector("[data-testid=targets-screen][data-allowed=false]")
        assert page.inner_text("[data-testid=targets-screen] [role=alert]") == "只有客服主管和管理员可以查看和修改服务时限。"
    finally:
        ctx.close()


def test_a_slow_redraw_of_the_supervisors_console_does_not_paint_over_the_screen_they_moved_to(browser: Browser, start_server) -> None:
    """The console's redraw waits for the site list; the supervisor opens the targets meanwhile. When the slow answer
    comes, the targets stay on screen (it painted the console over them, and the targets never came back)."""
    server = start_server()
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    held = []
    try:
        page = ctx.new_page()
        sign_in(page, server.url, "boss", "[data-testid=supervisor-screen]")

        def hold_first(route):  # type: ignore[no-untyped-def]
            if not held:
                held.append(route)  # the console's redraw waits here
            else:
                route.continue_()

        page.route("**/api/v1/sites", hold_first)
        page.evaluate("location.hash = '#/supervisor/again'")  # a redraw of the console, as a sync or an event makes one
        wait_in_page(page, lambda: held, what="the console's redraw asking for the sites")
        page.click("[data-testid=nav-targets]")
        page.wait_for_selector("[data-testid=site-targets][data-site-id=north] [data-testid=site-targets-empty]")
        with page.expect_response("**/api/v1/sites"):
            held[0].continue_()
        page.evaluate("() => new Promise((done) => setTimeout(done, 0))")  # the held answer's handlers have run
        assert page.locator("[data-testid=targets-screen]").is_visible()
        assert page.locator("[data-testid=supervisor-screen]").count() == 0
    finally:
        ctx.close()
