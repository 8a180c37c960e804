"""Working-day targets on the company calendar: PRC holidays and make-up days (调休), the company's own days,
working hours, and the years the holiday package does not know yet; then the same rules on orders in a real
SQLite file (orders created through the mutators with crafted times, as test_sla_and_audit does).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from server.auth import load_actor
from server.domain.alarms.events import SensorEvent
from server.domain.alarms.rules import apply_events
from server.domain.calendar import LAST_YEAR, WorkCalendar, uncovered_year
from server.domain.registry import apply_mutation
from server.domain.sla import DEFAULT_TARGETS, SlaRules, sla_states
from server.domain.targets import load_calendar
from tests.backend import open_store
from tests.live_server import new_order_args
from tests.world import build_world

CST = ZoneInfo("Asia/Shanghai")


def cst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=CST)


CALENDAR = WorkCalendar("Asia/Shanghai", time(8, 30), time(17, 30))


def test_three_working_days_before_national_day_end_on_the_make_up_saturday():
    # 2026: 1–7 October off; Saturday 10 October is worked in their place.
    assert CALENDAR.add_working_days(cst(2026, 9, 30, 10), 3) == cst(2026, 10, 10, 10)


def test_a_day_in_the_national_day_week_starts_counting_at_the_next_opening():
    assert CALENDAR.add_working_days(cst(2026, 10, 3, 10), 1) == cst(2026, 10, 9, 8, 30)


def test_spring_festival_is_skipped_and_its_make_up_saturday_counts():
    # 2026: 15–23 February off; Saturday 14 February is a working day.
    friday = cst(2026, 2, 13, 10)
    assert CALENDAR.add_working_days(friday, 1) == cst(2026, 2, 14, 10)
    assert CALENDAR.add_working_days(friday, 2) == cst(2026, 2, 24, 10)


def test_a_report_after_hours_starts_its_clock_at_the_next_opening():
    friday_evening = cst(2026, 11, 6, 20)
    assert CALENDAR.add_working_days(friday_evening, 1) == cst(2026, 11, 10, 8, 30)
    before_opening = cst(2026, 11, 9, 7)
    assert CALENDAR.add_working_days(before_opening, 1) == cst(2026, 11, 10, 8, 30)


def test_the_company_closes_a_day_and_opens_another():
    closed = WorkCalendar("Asia/Shanghai", company_days={cst(2026, 10, 9).date(): False})
    assert closed.add_working_days(cst(2026, 9, 30, 10), 3) == cst(2026, 10, 12, 10)
    opened = WorkCalendar("Asia/Shanghai", company_days={cst(2026, 11, 7).date(): True})  # a Saturday worked
    assert opened.add_working_days(cst(2026, 11, 6, 10), 1) == cst(2026, 11, 7, 10)


def test_past_the_covered_years_weekends_and_fixed_date_holidays_stand_in():
    assert not WorkCalendar.covers(LAST_YEAR + 1) and WorkCalendar.covers(LAST_YEAR)
    # 1 January is a holiday by date every year; the weekend after it is off.
    assert CALENDAR.add_working_days(cst(LAST_YEAR, 12, 31, 10), 1) == datetime.combine(
        _first_weekday_after_new_year(LAST_YEAR + 1), time(10), tzinfo=CST)


def test_the_start_up_check_names_the_first_year_the_package_does_not_cover():
    assert uncovered_year(datetime(LAST_YEAR, 6, 1).date()) is None
    assert uncovered_year(datetime(LAST_YEAR, 12, 1).date()) == LAST_YEAR + 1  # within 60 days of it


def _first_weekday_after_new_year(year: int):
    day = datetime(year, 1, 2).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_working_days_past_the_calendars_reach_are_refused():
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(cst(2026, 1, 5, 10), 400)


@pytest.fixture
def store_world(tmp_path):
    path = str(tmp_path / "fieldops.db")
    world = build_world(path)
    store = open_store(path)
    actors = store.read(lambda tx: {name: load_actor(tx, uid) for name, uid in world.users.items()})
    yield store, actors
    store.close()


def sla(store, order_id, now):
    rules = SlaRules(DEFAULT_TARGETS, store.read(lambda tx: load_calendar(tx, "Asia/Shanghai", "08:30-17:30")))
    row = store.read(lambda tx: tx.one("SELECT * FROM work_orders WHERE id = ?", (order_id,)))
    return {s.step: s for s in sla_states(rules, row, now)}


def test_a_repair_recorded_the_day_before_national_day_is_due_on_the_make_up_saturday(store_world):
    store, a = store_world
    args = new_order_args()
    store.write(lambda tx: apply_mutation(tx, a["disp"], "create_work_order", args, cst(2026, 9, 30, 10)))
    resolve = sla(store, args["id"], cst(2026, 10, 2, 12))["resolve"]
    assert resolve.due_at == "2026-10-10T02:00:00.000000Z"
    assert resolve.target_s == 10 * 86400 and resolve.met is None  # ten calendar days, three of them worked


def test_gas_ignition_is_due_in_two_working_days_across_spring_festival(store_world):
    store, a = store_world
    args = new_order_args(work_type="gas_ignition", title="Gas stove will not light")
    store.write(lambda tx: apply_mutation(tx, a["disp"], "create_work_order", args, cst(2026, 2, 13, 10)))
    order = {"work_order_id": args["id"]}
    steps = [  # (who, mutation, arguments, when it happened)
        ("disp", "dispatch", {**order, "technician_id": a["tech"].id}, cst(2026, 2, 13, 10, 1)),
        ("tech", "accept", order, cst(2026, 2, 24, 9)),
        ("tech", "arrive", order, cst(2026, 2, 24, 9, 30)),
        ("tech", "confirm_scope", {**order, "scope": "igniter", "labor_fee": 0, "material_fee": 0, "customer_name": "c"}, cst(2026, 2, 24, 9, 35)),
        ("tech", "attach_photo", {**order, "sha256": "a" * 64, "kind": "cleanup", "taken_at": "2026-02-24T01:45:00Z"}, cst(2026, 2, 24, 9, 45)),
        ("tech", "complete", {**order, "summary": "igniter replaced"}, cst(2026, 2, 24, 9, 50)),
    ]
    for who, name, step_args, when in steps:
        store.write(lambda tx: apply_mutation(tx, a[who], name, step_args, when))
    resolve = sla(store, args["id"], cst(2026, 3, 1, 12))["resolve"]
    assert resolve.due_at == "2026-02-24T02:00:00.000000Z" and resolve.met is True


def test_a_closed_company_day_moves_the_due_time_of_open_work(store_world):
    store, a = store_world
    args = new_order_args()
    store.write(lambda tx: apply_mutation(tx, a["disp"], "create_work_order", args, cst(2026, 9, 30, 10)))
    store.write(lambda tx: apply_mutation(tx, a["root"], "set_company_day", {"day": "2026-10-09", "working": False, "reason": "typhoon"},
                                          cst(2026, 10, 8, 18)))
    assert sla(store, args["id"], cst(2026, 10, 8, 19))["resolve"].due_at == "2026-10-12T02:00:00.000000Z"
    store.write(lambda tx: apply_mutation(tx, a["root"], "set_company_day", {"day": "2026-10-09", "working": None}, cst(2026, 10, 8, 20)))
    assert sla(store, args["id"], cst(2026, 10, 8, 21))["resolve"].due_at == "2026-10-10T02:00:00.000000Z"


def test_an_alarm_ticket_is_recorded_from_the_sensors_first_message(store_world):
    store, _ = store_world
    first = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
    leak = SensorEvent(source="native", device="leak-1", kind="water_leak", active=True, message_id="native:leak-1:seq:1",
                       site_id="north", zone="B2", seq=1)
    store.write(lambda tx: apply_events(tx, [leak], first, 60))
    [row] = store.read(lambda tx: tx.query("SELECT id FROM work_orders WHERE category = 'emergency'"))
    record = sla(store, row["id"], first + timedelta(minutes=1))["record"]
    assert (record.target_s, record.elapsed_s, record.met) == (120, 0.0, True)
