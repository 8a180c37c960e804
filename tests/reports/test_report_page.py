"""The printable monthly report as a person reads it: their language, short order numbers, names,
durations in minutes/hours/days and times in the company's zone; months outside 2000-01..2100-12 refused."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from server.domain.order_number import order_number
from server.reports.words import WORDS, choose_language, duration
from tests.reports.history import at
from tests.reports.page_reading import miss_rows, visible

PAGE = "/api/v1/reports/monthly.html"


def page(client, month: str, headers: dict | None = None, **params):  # type: ignore[no-untyped-def]
    r = client.get(PAGE, params={"month": month, "site_id": "north", **params}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r


def test_the_page_is_in_chinese_unless_the_reader_asks_for_english(live, as_user):
    boss = as_user("boss")
    plain = page(boss, "2026-03")
    assert '<html lang="zh-CN">' in plain.text and "月度服务报告" in plain.text and plain.headers["content-language"] == "zh-CN"
    assert "accept-language" in plain.headers["vary"].lower()

    english = page(boss, "2026-03", {"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Monthly service report" in english.text
    assert english.headers["content-language"] == "en"
    # the weights decide, not the order
    assert page(boss, "2026-03", {"Accept-Language": "en;q=0.3, zh-CN;q=0.8"}).headers["content-language"] == "zh-CN"
    assert page(boss, "2026-03", {"Accept-Language": "fr-FR, de"}).headers["content-language"] == "zh-CN"
    # lang= wins over the browser's header
    assert page(boss, "2026-03", {"Accept-Language": "zh-CN"}, lang="en").headers["content-language"] == "en"
    assert page(boss, "2026-03", {"Accept-Language": "en"}, lang="zh-CN").headers["content-language"] == "zh-CN"

    refused = boss.get(PAGE, params={"month": "2026-03", "lang": "fr"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unsupported_language"


def test_accept_language_is_read_by_weight_with_chinese_as_the_fallback():
    assert choose_language(None, None) == "zh-CN"
    assert choose_language(None, "en-US,en;q=0.9,zh;q=0.8") == "en"
    assert choose_language(None, "zh-TW;q=0.5, en;q=0.4") == "zh-CN"
    assert choose_language(None, "en;q=0, zh;q=0.1") == "zh-CN"  # q=0 means "not this one"
    assert choose_language(None, "en;q=bogus") == "zh-CN"
    assert choose_language("zh", "en") == "zh-CN" and choose_language("EN", None) == "en"
    assert choose_language("en-AU", "zh") == "en" and choose_language("zh-Hans", "en") == "zh-CN"


@pytest.mark.parametrize("seconds, zh, en", [
    (None, "无数据", "n/a"), (55, "55秒", "55 s"), (59.6, "1分钟", "1 min"), (35 * 60, "35分钟", "35 min"),
    (3570, "1小时", "1 h"), (2 * 3600 + 5 * 60, "2小时5分钟", "2 h 5 min"), (86400, "1天", "1 d"),
    (3 * 86400 + 4 * 3600 + 20 * 60, "3天4小时", "3 d 4 h"),
])
def test_durations_read_in_seconds_minutes_hours_and_days(seconds, zh, en):
    assert duration(seconds, "zh-CN") == zh and duration(seconds, "en") == en


def test_an_order_number_is_the_last_six_letters_or_digits_of_its_id():
    assert order_number("0190f2a4-7b1c-7000-8000-00000000b003") == "00B003"
    assert order_number("01ARZ3NDEKTSV4RRFFQ69G5FAV") == "9G5FAV"


def test_the_misses_name_the_order_site_and_technician_with_durations_and_local_times(live, as_user, history):
    late = history.order(at("2026-10-12 09:00"), dispatch=1, arrive=37, title="厨房水龙头漏水")
    complaint = history.order(at("2026-10-13 22:30"), category="complaint", complaint_level="important", dispatch=30, arrive=40,
                              complete=4 * 24 * 60, title="电梯噪音")
    boss = as_user("boss")

    body = boss.get("/api/v1/reports/monthly", params={"month": "2026-10", "site_id": "north"}).json()
    miss = next(m for m in body["misses"]["arrive"] if m["work_order_id"] == late)
    assert miss["order_no"] == order_number(late) == re.sub("-", "", late)[-6:].upper()
    assert (miss["site_name"], miss["assignee_name"], body["site_name"]) == ("North Court", "Tech", "North Court")

    zh = visible(page(boss, "2026-10").text)
    assert "月度服务报告：2026-10，North Court" in zh
    assert "2026-10-01 00:00 至 2026-11-01 00:00" in zh and "Asia/Shanghai，UTC+08:00" in zh
    html = page(boss, "2026-10").text
    assert miss_rows(html, "arrive") == [[order_number(late), "厨房水龙头漏水", "North Court", "Tech", "36分钟", "15分钟", ""]]
    assert "投诉未按时解决 (1)" in zh
    # received 22:30 on the 13th Beijing time: an important complaint is due 3 days later, read in Beijing time
    assert "重要投诉；应于 2026-10-16 22:30 前解决；完工 2026-10-17 22:30" in zh
    assert order_number(complaint) in zh
    for uuid in (late, complaint):
        assert uuid not in zh  # the short number, never the UUID
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", zh)  # no ISO/UTC times
    assert not re.search(r"\d+ s\b|\d+\.\d+ s", zh)  # no raw seconds

    en = visible(page(boss, "2026-10", lang="en").text)
    assert "Late: Arrive on site (1)" in en and "36 min" in en and "15 min" in en
    assert "Important complaint; due by 2026-10-16 22:30; completed 2026-10-17 22:30" in en
    assert "3 d" in en  # the 3-day resolve target, in days

    r = boss.get("/api/v1/reports/monthly", params={"month": "2026-10", "site_id": "north", "format": "csv"})
    rows = [row for row in csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))) if row["metric"] == "miss.arrive"]
    assert [(row["order_no"], row["site_name"], row["assignee_name"], row["work_order_id"]) for row in rows] == \
        [(order_number(late), "North Court", "Tech", late)]


def test_every_csv_row_says_what_it_is_in_the_readers_language(live, as_user, history):
    history.order(at("2026-09-08 10:00"), dispatch=1, arrive=40, title="楼道灯不亮")
    disp = as_user("disp")

    def rows(**params):  # type: ignore[no-untyped-def]
        r = disp.get("/api/v1/reports/monthly", params={"month": "2026-09", "site_id": "north", "format": "csv", **params})
        assert r.status_code == 200, r.text
        return r.headers["content-language"], list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))

    language, zh = rows()
    assert language == "zh-CN"
    labels = {row["metric"]: row["label"] for row in zh if not row["metric"].startswith("miss.")}
    assert all(label and label != metric for metric, label in labels.items()), labels  # every figure worded
    assert labels["on_time.arrive"] == "及时率：到场" and labels["counts.by_category.complaint"] == "工单数：投诉"
    assert labels["complaints.resolved_in_time_by_level.important"] == "重要投诉按时解决率"
    late = next(row for row in zh if row["metric"] == "miss.arrive")
    assert late["label"] == f"到场超时：{late['order_no']} 楼道灯不亮"

    language, en = rows(lang="en")
    assert language == "en"
    labels = {row["metric"]: row["label"] for row in en}
    assert labels["on_time.arrive"] == "On time: Arrive on site" and labels["alarm_ack_s.p90"] == "Alarm acknowledgement (90th percentile) (seconds)"
    r = disp.get("/api/v1/reports/monthly", params={"month": "2026-09", "format": "csv"}, headers={"Accept-Language": "en-US,en"})
    assert r.headers["content-language"] == "en"


@pytest.mark.parametrize("month", ["0000-01", "1999-12", "2101-01", "9999-12"])
@pytest.mark.parametrize("path, extra", [("/api/v1/reports/monthly", {}), ("/api/v1/reports/monthly", {"format": "csv"}), (PAGE, {})])
def test_a_month_outside_2000_to_2100_is_a_clear_422(live, as_user, month, path, extra):
    r = as_user("disp").get(path, params={"month": month, **extra})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "month_out_of_range" and "2000-01" in r.json()["error"]["message"]


@pytest.mark.parametrize("month", ["2000-01", "2100-12"])
def test_the_first_and_last_months_of_the_window_are_reported(live, as_user, month):
    for path, extra in (("/api/v1/reports/monthly", {}), ("/api/v1/reports/monthly", {"format": "csv"}), (PAGE, {})):
        assert as_user("disp").get(path, params={"month": month, **extra}).status_code == 200


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_apps_report_screen_uses_the_printable_pages_words(lang):
    """pwa/i18n/report.{lang}.json holds every word of the page as `monthly.<key>`, unchanged, so the
    screen and the printed page never name a figure two ways."""
    catalog = json.loads((Path(__file__).parents[2] / "pwa" / "i18n" / f"report.{lang}.json").read_text(encoding="utf-8"))
    assert {key: catalog.get(f"monthly.{key}") for key in WORDS[lang]} == WORDS[lang]
