"""The monthly report over real HTTP, from crafted histories with known answers (times as they happened)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from server.clock import now_text
from server.ids import new_id
from server.reports.csv_table import flatten
from tests import backend
from tests.reports.history import at


def report(client, month: str, site_id: str | None = "north", **params) -> dict:
    query = {"month": month, **({"site_id": site_id} if site_id else {}), **params}
    r = client.get("/api/v1/reports/monthly", params=query)
    assert r.status_code == 200, r.text
    return r.json()


def test_one_arrival_in_10_minutes_and_one_in_35_make_an_arrive_on_time_rate_of_half(live, as_user, history):
    quick = history.order(at("2026-03-10 09:00"), dispatch=1, arrive=11)
    slow = history.order(at("2026-03-11 09:00"), dispatch=1, arrive=36)

    body = report(as_user("disp"), "2026-03")

    assert body["month"] == "2026-03" and body["site_id"] == "north"
    assert body["on_time"]["arrive"] == 0.5
    assert body["on_time"]["dispatch"] == 1.0
    assert body["on_time"]["feedback"] is None  # nothing completed: nothing was due
    assert body["on_time"]["call_back"] is None  # normal repairs need no call-back
    assert body["on_time"]["resolve"] == 0.0  # both left unfinished past 3 days
    assert [m["work_order_id"] for m in body["misses"]["arrive"]] == [slow]
    assert body["misses"]["arrive"][0]["elapsed_s"] == 35 * 60 and body["misses"]["arrive"][0]["target_s"] == 900
    assert {m["work_order_id"] for m in body["misses"]["resolve"]} == {quick, slow}
    assert body["counts"]["by_category"] == {"repair": 2, "complaint": 0, "help": 0, "emergency": 0}
    assert body["counts"]["by_priority"] == {"normal": 2, "urgent": 0, "emergency": 0}
    assert body["rework_rate"] == 0.0 and body["call_back_rate"] is None
    assert body["complaints"]["by_level"] == {"minor": 0, "important": 0, "major": 0}
    assert body["complaints"]["resolved_in_time"] is None


def test_the_csv_carries_the_same_figures_as_the_json(live, as_user):
    disp = as_user("disp")
    body = report(disp, "2026-03")
    r = disp.get("/api/v1/reports/monthly", params={"month": "2026-03", "site_id": "north", "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="fieldops-2026-03-north.csv"' in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())  # so Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    figures = {row["metric"]: row["value"] for row in rows if not row["metric"].startswith("miss.")}
    expected = {k: "" if v is None else str(v) for k, v in flatten({k: v for k, v in body.items() if k != "misses"}).items()}
    expected["generated_at"] = figures["generated_at"]  # two requests, two generation times
    assert figures == expected
    misses = [(row["metric"], row["work_order_id"], row["elapsed_s"]) for row in rows if row["metric"] == "miss.arrive"]
    assert misses == [("miss.arrive", m["work_order_id"], str(m["elapsed_s"])) for m in body["misses"]["arrive"]]


def test_offline_steps_count_at_the_time_they_happened_not_when_they_synced(live, as_user, history):
    # The technician was in a basement: the arrival, 5 min after dispatch, reaches the server only now
    # (weeks later) from a device whose clock is right.
    order = history.order(at("2026-09-02 10:00"), dispatch=1)
    tech = as_user("tech")
    synced = tech.post("/api/v1/sync/push", json={
        "client_id": "tablet-" + new_id()[-8:], "client_time": now_text(),
        "mutations": [{"id": 1, "name": "arrive", "args": {"work_order_id": order}, "client_ts": (at("2026-09-02 10:06")).isoformat()}]})
    assert synced.status_code == 200, synced.text
    body = report(as_user("disp"), "2026-09")
    assert body["on_time"]["arrive"] == 1.0 and body["misses"]["arrive"] == []


def test_rework_rate_counts_orders_redoing_an_earlier_one_among_the_months_repairs(live, as_user, history):
    first = history.order(at("2026-02-20 09:00"), dispatch=1, arrive=5, complete=60)
    history.order(at("2026-04-02 09:00"), dispatch=1, arrive=5, complete=60, rework_of=first)
    for day in range(3, 6):
        history.order(at(f"2026-04-0{day} 09:00"), dispatch=1, arrive=5, complete=60)
    cancelled = history.order(at("2026-04-07 09:00"))
    history.step(history.disp, "cancel", at("2026-04-07 09:05"), work_order_id=cancelled, reason="duplicate report")

    body = report(as_user("disp"), "2026-04")
    assert body["rework_rate"] == 0.25  # 1 of 4 repairs; the cancelled duplicate is no job
    assert body["rework_counts"] == {"reworks": 1, "jobs": 4}
    assert body["misses"]["rework"][0]["rework_of"] == first
    assert body["counts"]["cancelled"] == 1 and body["counts"]["total"] == 5
    # Done in April, but the server learns of the completions only now: every feed-back is late.
    assert body["on_time"]["feedback"] == 0.0 and len(body["misses"]["feedback"]) == 4


def test_complaints_and_call_backs_are_judged_by_level(live, as_user, history):
    # A minor complaint fixed in a day and called back within two weeks; an important one fixed after 4 days
    # (limit 3) and never called back; a major urgent repair signed off and called back after 8 days (limit 7).
    minor = history.order(at("2026-05-04 09:00"), category="complaint", complaint_level="minor", dispatch=1, arrive=10,
                          complete=24 * 60, sign_off=24 * 60 + 5, call_back=3 * 24 * 60)
    important = history.order(at("2026-05-05 09:00"), category="complaint", complaint_level="important", dispatch=30, arrive=40,
                              complete=4 * 24 * 60)
    major = history.order(at("2026-05-06 09:00"), priority="urgent", dispatch=1, arrive=4, complete=120, sign_off=125,
                          call_back=125 + 8 * 24 * 60)
    unreached = history.order(at("2026-05-07 09:00"), category="complaint", complaint_level="major", dispatch=1, arrive=5,
                              complete=60, sign_off=65, call_back=24 * 60, reached=False)

    body = report(as_user("disp"), "2026-05")
    assert body["complaints"]["by_level"] == {"minor": 1, "important": 1, "major": 1}
    assert body["complaints"]["resolved_in_time"] == pytest.approx(2 / 3, abs=1e-4)
    assert body["complaints"]["resolved_in_time_by_level"] == {"minor": 1.0, "important": 0.0, "major": 1.0}
    assert [m["work_order_id"] for m in body["misses"]["complaints_late"]] == [important]
    # Call-backs owed: all three complaints and the urgent repair; reached: the minor one and the major repair.
    assert body["call_back_rate"] == 0.5
    assert {m["work_order_id"] for m in body["misses"]["not_called_back"]} == {important, unreached}
    # On time (signed off -> called back): the minor complaint yes, the major repair no (8 days > 7), the
    # unreached major complaint's week has passed; the important one was never signed off.
    assert body["on_time"]["call_back"] == pytest.approx(1 / 3, abs=1e-4)
    assert {m["work_order_id"] for m in body["misses"]["call_back"]} == {major, unreached}
    assert minor not in {m["work_order_id"] for m in body["misses"]["call_back"]}


def test_alarm_acknowledgement_p50_and_p90_come_from_the_alarms_table(live, as_user, history):
    start = at("2026-06-10 22:00")
    waits = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]

    def add(tx):  # type: ignore[no-untyped-def]
        from server.clock import to_rfc3339

        for n, wait in enumerate(waits):
            first = start + timedelta(minutes=n)
            tx.insert("alarms", {"id": new_id(), "site_id": "north", "device_id": f"leak-{n}", "source": "native", "kind": "water_leak",
                                 "state": "cleared", "first_seen": to_rfc3339(first), "last_seen": to_rfc3339(first),
                                 "acked_at": to_rfc3339(first + timedelta(seconds=wait))})
        tx.insert("alarms", {"id": new_id(), "site_id": "north", "device_id": "smoke-x", "source": "native", "kind": "smoke",
                             "state": "active", "first_seen": to_rfc3339(start), "last_seen": to_rfc3339(start)})
        tx.insert("alarms", {"id": new_id(), "site_id": "south", "device_id": "leak-s", "source": "native", "kind": "water_leak",
                             "state": "cleared", "first_seen": to_rfc3339(start), "last_seen": to_rfc3339(start),
                             "acked_at": to_rfc3339(start + timedelta(seconds=5000))})

    history.store.write(add)
    body = report(as_user("disp"), "2026-06")
    assert body["alarm_ack_s"] == {"p50": 55.0, "p90": 91.0, "acked": 10, "unacked": 1}
    assert report(as_user("disp"), "2026-07")["alarm_ack_s"]["p50"] is None


def test_the_month_is_the_company_month_in_shanghai_time(live, as_user, history):
    history.order(at("2026-08-01 00:30"))  # still 31 July in UTC
    august = report(as_user("disp"), "2026-08")
    july = report(as_user("disp"), "2026-07")
    assert august["counts"]["total"] == 1 and july["counts"]["total"] == 0
    assert august["window"] == {"start": "2026-07-31T16:00:00.000000Z", "end": "2026-08-31T16:00:00.000000Z", "time_zone": "Asia/Shanghai"}


def test_only_the_service_centre_sees_reports_and_only_for_its_sites(live, as_user):
    assert as_user("tech").get("/api/v1/reports/monthly", params={"month": "2026-03"}).status_code == 403
    south = as_user("disp_south")
    assert south.get("/api/v1/reports/monthly", params={"month": "2026-03", "site_id": "north"}).status_code == 404
    assert report(south, "2026-03", site_id=None)["counts"]["total"] == 0  # all *their* sites: only south
    assert report(as_user("root"), "2026-03", site_id=None)["counts"]["total"] == 2
    assert report(as_user("boss"), "2026-03")["on_time"]["arrive"] == 0.5


@pytest.mark.parametrize("params, code", [({"month": "2026-13"}, "invalid_month"), ({}, "invalid_month"),
                                          ({"month": "2026-03", "format": "xml"}, "invalid_format")])
def test_a_bad_month_or_format_is_a_clear_422(live, as_user, params, code):
    r = as_user("disp").get("/api/v1/reports/monthly", params=params)
    assert r.status_code == 422 and r.json()["error"]["code"] == code


def test_the_printable_page_shows_the_figures_charts_and_misses(live, as_user):
    r = as_user("boss").get("/api/v1/reports/monthly.html", params={"month": "2026-03", "site_id": "north", "lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert page.count("<svg") == 4 and "On-time rate per step" in page and "50.0%" in page
    assert "@media print" in page and "Late: Arrive on site (1)" in page


def test_fieldops_report_prints_the_same_report_as_the_api(live, as_user, world_dir: Path):
    env = {"FIELDOPS_DATA_DIR": str(world_dir), "PATH": str(Path(sys.executable).parent), **backend.server_env(world_dir)}
    fieldops = str(Path(sys.executable).parent / "fieldops")
    out = subprocess.run([fieldops, "report", "--month", "2026-03", "--site", "north"], env=env, capture_output=True, text=True, check=True).stdout
    printed = json.loads(out)
    api = report(as_user("disp"), "2026-03")
    figures = lambda r: {k: v for k, v in r.items() if k not in ("generated_at", "misses")}  # noqa: E731
    missed = lambda r: {k: [m["work_order_id"] for m in v] for k, v in r["misses"].items()}  # noqa: E731  (open steps' elapsed grows)
    assert figures(printed) == figures(api) and missed(printed) == missed(api)

    out = subprocess.run([fieldops, "report", "--month", "2026-03", "--site", "north", "--format", "csv"], env=env, capture_output=True, text=True, check=True).stdout
    rows = {row["metric"]: row["value"] for row in csv.DictReader(io.StringIO(out))}
    assert rows["on_time.arrive"] == "0.5" and rows["month"] == "2026-03"

    saved = subprocess.run([fieldops, "report", "--month", "2026-03", "--format", "html", "--save"], env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert saved == str(world_dir / "exports" / "report-2026-03-all.html") and "<svg" in Path(saved).read_text()
    english = subprocess.run([fieldops, "report", "--month", "2026-03", "--format", "html", "--lang", "en"], env=env, capture_output=True,
                             text=True, check=True).stdout
    assert '<html lang="en">' in english and '<html lang="zh-CN">' in Path(saved).read_text()

    bad = subprocess.run([fieldops, "report", "--month", "March"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid_month" in bad.stderr
