"""Against the real server: a dispatcher opens the monthly report from the board, picks the month and
the site by name, and reads the same figures as the JSON and the same misses, word for word, as the
printable page, in Chinese and then in English; downloads the CSV, opens the printable page (no 401)
and prints the screen without the app's chrome."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from server.reports.csv_table import flatten
from server.reports.words import duration, say
from tests.live_server import ApiClient, LiveServer
from tests.pwa.app_steps import sign_in, synced
from tests.reports.history import History, at
from tests.reports.page_reading import miss_rows

@pytest.fixture(scope="module")
def march(world_dir: Path, world, live: LiveServer) -> dict[str, str]:  # noqa: ANN001
    """March 2026 at North Court, every step done (so no figure moves while the test reads it)."""
    history = History(str(world_dir / "fieldops.db"))
    try:
        quick = history.order(at("2026-03-10 09:00"), dispatch=1, arrive=11, complete=60, title="厨房水龙头漏水")
        return {
            "quick": quick,
            "slow": history.order(at("2026-03-11 21:00"), dispatch=1, arrive=37, complete=90, title="卫生间堵塞"),
            "rework": history.order(at("2026-03-12 10:00"), dispatch=2, arrive=9, complete=45, rework_of=quick, title="水龙头又漏了"),
            "complaint": history.order(at("2026-03-13 22:30"), category="complaint", complaint_level="important", dispatch=30,
                                       arrive=40, complete=4 * 24 * 60, title="电梯噪音"),
        }
    finally:
        history.close()


def expected_figures(report: dict, lang: str) -> dict[str, str]:
    """What each figure must read, from the JSON, in the printable page's words."""
    rate = lambda v: say(lang, "na") if v is None else f"{v * 100:.1f}%"  # noqa: E731
    figures = {
        "orders_total": str(report["counts"]["total"]), "cancelled": str(report["counts"]["cancelled"]),
        "rework_rate": rate(report["rework_rate"]), "call_back_rate": rate(report["call_back_rate"]),
        "complaints_in_time": rate(report["complaints"]["resolved_in_time"]),
        "ack_p50": duration(report["alarm_ack_s"]["p50"], lang), "ack_p90": duration(report["alarm_ack_s"]["p90"], lang),
    }
    for step in report["on_time"]:  # every SLA step the server judges (record, reply, dispatch, ...)
        counted = report["on_time_counts"][step]
        share = f" ({say(lang, 'of', hits=counted['met'], total=counted['due'])})" if counted["due"] else ""
        figures[f"on_time.{step}"] = rate(report["on_time"][step]) + share
    return figures


def screen_figures(page: Page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('[data-testid=month-figures] tr')]
      .map((tr) => [tr.dataset.figure, tr.querySelector('[data-testid=figure-value]').textContent]))""")


def screen_misses(page: Page, figure: str) -> list[list[str]]:
    return page.evaluate("""(figure) => [...document.querySelectorAll(`[data-testid=miss-table][data-figure=${figure}] [data-testid=miss-row]`)]
      .map((tr) => [...tr.cells].map((td) => td.textContent))""", figure)


def check_against_the_server(page: Page, office: ApiClient, lang: str) -> dict:
    report = office.get("/api/v1/reports/monthly", params={"month": "2026-03", "site_id": "north"}).json()
    printable = office.get("/api/v1/reports/monthly.html", params={"month": "2026-03", "site_id": "north", "lang": lang}).text
    assert screen_figures(page) == expected_figures(report, lang)
    missed = [figure for figure, rows in report["misses"].items() if rows]
    assert page.evaluate("[...document.querySelectorAll('[data-testid=miss-table]')].map((t) => t.dataset.figure)") == missed
    for figure in missed:
        assert screen_misses(page, figure) == miss_rows(printable, figure), figure
    return report


@pytest.fixture
def dispatcher_page(browser: Browser, live: LiveServer) -> Iterator[Page]:
    ctx = browser.new_context(locale="zh-CN", timezone_id="Europe/London", viewport={"width": 360, "height": 740}, accept_downloads=True)
    page = ctx.new_page()
    yield page
    ctx.close()


def test_a_dispatcher_reads_the_monthly_report_in_the_app_in_chinese_and_english(
        dispatcher_page: Page, live: LiveServer, as_user, march: dict[str, str], tmp_path: Path) -> None:
    page, office = dispatcher_page, as_user("disp")
    errors: list[str] = []
    statuses: list[tuple[str, int]] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: "/api/v1/reports/" in r.url and statuses.append((r.url, r.status)))

    sign_in(page, live.url, "disp", "[data-testid=dispatcher-screen]")
    synced(page)  # the first pull has landed and re-drawn the board: what is clicked next stays on screen
    page.click("[data-testid=month-report-link]")
    page.wait_for_selector("[data-testid=month-form]")
    assert page.locator("[data-testid=month-site] option").all_inner_texts() == ["全部项目", "North Court"]
    page.select_option("[data-testid=month-year]", label="2026年")
    page.select_option("[data-testid=month-number]", label="三月")
    page.select_option("[data-testid=month-site]", label="North Court")
    page.click("[data-testid=month-show]")
    page.wait_for_selector("[data-testid=month-report][data-month='2026-03']")
    assert page.evaluate("location.hash") == "#/month/2026-03/north"

    # zh-CN: the heading names the site, times are Beijing time though this browser is in London
    assert page.inner_text("[data-testid=month-heading]") == "月度服务报告：2026-03，North Court"
    assert "2026-03-01 00:00 至 2026-04-01 00:00" in page.inner_text("[data-testid=month-window]")
    report = check_against_the_server(page, office, "zh-CN")
    assert report["on_time"]["arrive"] == 0.75 and report["rework_rate"] == pytest.approx(1 / 3, abs=1e-4)
    slow = page.locator(f"[data-testid=miss-table][data-figure=arrive] [data-work-order-id='{march['slow']}']")
    assert slow.locator("td").all_inner_texts()[:6] == [march["slow"].replace("-", "")[-6:].upper(), "卫生间堵塞", "North Court", "Tech",
                                                       "36分钟", "15分钟"]
    assert march["slow"] not in page.inner_text("[data-testid=month-screen]")  # short numbers, never the UUID
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out on a 360-px phone

    with page.expect_download() as download:
        page.click("[data-testid=month-csv]")
    assert download.value.suggested_filename == "fieldops-2026-03-north.csv"
    saved = tmp_path / "report.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    figures = {row["metric"]: row["value"] for row in rows if not row["metric"].startswith("miss.")}
    assert figures["on_time.arrive"] == "0.75" and figures["counts.total"] == str(report["counts"]["total"]) == "4"
    assert next(row["label"] for row in rows if row["metric"] == "on_time.arrive") == "及时率：到场"  # the app's language
    assert {k for k in figures} == set(flatten({k: v for k, v in report.items() if k != "misses"}))
    assert [r["order_no"] for r in rows if r["metric"] == "miss.arrive"] == [march["slow"].replace("-", "")[-6:].upper()]

    page.click("[data-testid=month-printable-open]")
    page.wait_for_selector("[data-testid=month-printable-frame][data-loaded=true]")
    frame = page.frame_locator("[data-testid=month-printable-frame]")
    assert frame.locator("html").get_attribute("lang") == "zh-CN"
    assert "月度服务报告：2026-03，North Court" in frame.locator("h1").inner_text()
    assert frame.locator("#miss-arrive").inner_text() == "到场超时 (1)"
    assert frame.locator("button").count() == 0  # its own print button needs a script, which the sandbox stops
    page.click("[data-testid=month-printable-print]")  # printed from the app: no error, no navigation
    page.click("[data-testid=month-printable-close]")

    page.emulate_media(media="print")  # what window.print() lays out: the report, not the app around it
    assert page.locator("header.topbar").is_hidden() and page.locator("[data-testid=month-form]").is_hidden()
    assert page.locator("[data-testid=month-report]").is_visible() and page.locator("[data-testid=chart-on-time]").is_visible()
    page.emulate_media(media="screen")

    page.select_option("[data-testid=language-switch]", "en")
    expect(page.locator("[data-testid=month-heading]")).to_have_text("Monthly service report: 2026-03, North Court")
    check_against_the_server(page, office, "en")
    assert "Late: Arrive on site (1)" in page.inner_text("#miss-arrive")
    page.click("[data-testid=month-printable-open]")
    page.wait_for_selector("[data-testid=month-printable-frame][data-loaded=true]")
    assert page.frame_locator("[data-testid=month-printable-frame]").locator("html").get_attribute("lang") == "en"

    assert statuses and all(status == 200 for _, status in statuses), statuses
    assert not errors, errors


def test_a_month_outside_the_window_says_so_in_the_readers_language(dispatcher_page: Page, live: LiveServer) -> None:
    page = dispatcher_page
    sign_in(page, live.url, "disp", "[data-testid=dispatcher-screen]")
    page.evaluate("location.hash = '#/month/1999-12/north'")
    page.wait_for_selector("[data-testid=month-error]")
    assert page.inner_text("[data-testid=month-error]") == "只能查看 2000-01 至 2100-12 之间的月份。"


@pytest.mark.parametrize("username, sites", [("root", ["North Court", "South Tower"]), ("boss", ["North Court"])])
def test_an_admin_or_supervisor_picks_their_sites_by_name_and_sees_them_together(
        dispatcher_page: Page, live: LiveServer, as_user, march: dict[str, str], username: str, sites: list[str]) -> None:
    page = dispatcher_page
    sign_in(page, live.url, username, "[data-testid=logout]:not([hidden])")
    page.evaluate("location.hash = '#/month/2026-03'")
    page.wait_for_selector("[data-testid=month-report][data-month='2026-03']")
    assert page.locator("[data-testid=month-site] option").all_inner_texts() == ["全部项目", *sites]
    assert page.inner_text("[data-testid=month-heading]") == "月度服务报告：2026-03，全部项目"
    everything = as_user(username).get("/api/v1/reports/monthly", params={"month": "2026-03"}).json()
    assert screen_figures(page) == expected_figures(everything, "zh-CN")


def test_a_technician_is_told_the_report_is_not_theirs(dispatcher_page: Page, live: LiveServer) -> None:
    page = dispatcher_page
    sign_in(page, live.url, "tech", "[data-testid=jobs-screen]")
    page.evaluate("location.hash = '#/month'")
    page.wait_for_selector("[data-testid=month-screen] .error")
    assert "只有客服中心" in page.inner_text("[data-testid=month-screen]")
