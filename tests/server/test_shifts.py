"""Shifts without sensors, over real HTTP: who may confirm a handover, the shift schedule, and guards
dispatching after office hours — judged by the time the step happened (a sync push with past device
times), never by sleeping until evening."""

from __future__ import annotations

import pytest

from server.ids import new_id
from tests.live_server import new_order_args
from tests.monitoring_room import build_monitoring_room
from tests.sync.device import Device

# 2026-11-30 in Asia/Shanghai (UTC+8), the default company zone; office hours 08:30–17:30.
EVENING = "2026-11-30T12:{:02d}:00.000000Z"  # 20:xx local: the monitoring room has the service line
MORNING = "2026-11-30T02:{:02d}:00.000000Z"  # 10:xx local: the service centre is open


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    from tests.live_server import LiveServer

    data_dir = tmp_path_factory.mktemp("monitoring-room")
    build_monitoring_room(data_dir)
    server = LiveServer(data_dir).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def people(room):
    return {name: room.login(name) for name in ("guard", "guard_b", "guard_south", "boss", "tech", "disp")}


def error_code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_only_another_guard_of_the_site_confirms_an_ended_shift_and_only_once(people):
    guard, guard_b, guard_south, boss = people["guard"], people["guard_b"], people["guard_south"], people["boss"]
    started = guard.ok("start_shift", site_id="north")
    assert started["ended_at"] is None and started["handover"] is None
    assert error_code(guard_b.mutate("receive_handover", shift_id=started["id"])) == (409, "shift_not_ended")
    ended = guard.ok("end_shift", site_id="north", handover_note="大堂门禁故障，已报修")
    assert ended["id"] == started["id"] and ended["handover"]["note"] == "大堂门禁故障，已报修"
    assert error_code(guard.mutate("receive_handover", shift_id=ended["id"])) == (409, "own_handover")
    assert error_code(guard_south.mutate("receive_handover", shift_id=ended["id"])) == (404, "shift_not_found")
    assert error_code(boss.mutate("receive_handover", shift_id=ended["id"])) == (403, "role_not_allowed")
    assert error_code(guard_b.mutate("receive_handover", shift_id="no-such-shift")) == (404, "shift_not_found")
    assert guard_b.ok("receive_handover", shift_id=ended["id"])["handover"]["received_by"] == guard_b.user["id"]
    assert error_code(guard_b.mutate("receive_handover", shift_id=ended["id"])) == (409, "handover_received")


def test_ending_a_shift_one_is_not_on_is_refused_and_a_retried_end_changes_nothing(people):
    guard_b = people["guard_b"]
    assert error_code(guard_b.mutate("end_shift", site_id="south")) == (404, "site_not_found")
    shift = guard_b.ok("start_shift", site_id="north")
    first = guard_b.ok("end_shift", site_id="north", handover_note="一切正常")
    retried = guard_b.ok("end_shift", site_id="north", handover_note="一切正常")
    assert retried["id"] == shift["id"] and retried["ended_at"] == first["ended_at"]


def test_shift_history_is_for_the_site_s_monitoring_room_and_office(people):
    assert people["boss"].get("/api/v1/shifts", params={"site_id": "north"}).status_code == 200
    assert error_code(people["guard_south"].get("/api/v1/shifts", params={"site_id": "north"})) == (404, "site_not_found")
    assert error_code(people["tech"].get("/api/v1/shifts", params={"site_id": "north"})) == (403, "role_not_allowed")


def test_the_schedule_says_which_shift_runs_and_which_comes_next(people):
    body = people["guard"].get("/api/v1/shifts/schedule", params={"site_id": "north"}).json()
    assert body["changes"] == ["08:30", "17:30"] and body["time_zone"] == "Asia/Shanghai"
    assert body["current"]["label"] in ("08:30–17:30", "17:30–08:30")
    assert body["next"]["starts_at"] == body["current"]["ends_at"] and body["next"]["label"] != body["current"]["label"]
    assert body["office_hours"]["opens"] == "08:30" and body["office_hours"]["closes"] == "17:30"
    assert body["office_hours"]["open_now"] == (body["current"]["label"] == "08:30–17:30")


def night_report(device: Device, at: str) -> str:
    """A call for help taken by the monitoring room: recorded as an order the guard can see."""
    order_id = new_id()
    device.do("create_work_order", client_ts=at, **new_order_args("north", id=order_id, category="help", priority="urgent",
                                                                      title="电梯困人", description="2号梯困1人"))
    return order_id


def test_a_guard_on_duty_dispatches_after_office_hours(people, room):
    guard, tech = people["guard"], people["tech"]
    phone = Device(guard)
    phone.do("start_shift", client_ts=EVENING.format(0), site_id="north")
    order_id = night_report(phone, EVENING.format(10))
    phone.do("dispatch", client_ts=EVENING.format(12), work_order_id=order_id, technician_id=tech.user["id"])
    phone.do("end_shift", client_ts=EVENING.format(59), site_id="north")
    phone.sync_up()
    assert phone.pull()["rejections"] == []
    order = guard.order(order_id)
    assert order["status"] == "dispatched" and order["assignee_id"] == tech.user["id"]
    [step] = [e for e in order["events"] if e["name"] == "dispatch"]
    assert step["occurred_at"].startswith("2026-11-30T12:12:00")  # the evening, corrected by the phone's clock offset


def test_during_office_hours_the_service_centre_dispatches_not_the_guard(people):
    guard, tech = people["guard"], people["tech"]
    phone = Device(guard)
    phone.do("start_shift", client_ts=MORNING.format(0), site_id="north")
    order_id = night_report(phone, MORNING.format(10))
    dispatch = phone.do("dispatch", client_ts=MORNING.format(12), work_order_id=order_id, technician_id=tech.user["id"])
    phone.do("end_shift", client_ts=MORNING.format(30), site_id="north")
    phone.sync_up()
    assert [(r["mutation_id"], r["code"]) for r in phone.pull()["rejections"]] == [(dispatch, "office_hours")]
    assert guard.order(order_id)["status"] == "new"
    people["disp"].ok("dispatch", work_order_id=order_id, technician_id=tech.user["id"])  # the service centre's


def test_after_office_hours_a_guard_off_duty_does_not_dispatch(people):
    guard_b, tech = people["guard_b"], people["tech"]
    phone = Device(guard_b)
    phone.do("start_shift", client_ts=EVENING.format(20), site_id="north")
    phone.do("end_shift", client_ts=EVENING.format(30), site_id="north")
    order_id = night_report(phone, EVENING.format(40))
    dispatch = phone.do("dispatch", client_ts=EVENING.format(45), work_order_id=order_id, technician_id=tech.user["id"])
    phone.sync_up()
    assert [(r["mutation_id"], r["code"]) for r in phone.pull()["rejections"]] == [(dispatch, "not_on_duty")]
    assert guard_b.order(order_id)["status"] == "new"


def test_shift_windows_follow_the_site_s_change_times_in_the_company_zone():
    from server.clock import parse_rfc3339
    from server.domain.schedule import parse_schedule, shift_windows

    schedule = parse_schedule("Asia/Shanghai", "08:30-17:30", "08:30,17:30;tower=07:00,15:00,23:00")
    evening = shift_windows(schedule, "north", parse_rfc3339("2026-11-30T12:00:00Z"))  # 20:00 local
    assert evening["current"] == {"starts_at": "2026-11-30T09:30:00.000000Z", "ends_at": "2026-12-01T00:30:00.000000Z", "label": "17:30–08:30"}
    assert evening["next"]["label"] == "08:30–17:30" and evening["office_hours"]["open_now"] is False
    early = shift_windows(schedule, "north", parse_rfc3339("2026-11-30T00:00:00Z"))  # 08:00 local: still the night shift
    assert early["current"]["starts_at"] == "2026-11-29T09:30:00.000000Z" and early["office_hours"]["open_now"] is False
    tower = shift_windows(schedule, "tower", parse_rfc3339("2026-11-30T16:00:00Z"))  # 00:00 local
    assert tower["changes"] == ["07:00", "15:00", "23:00"] and tower["current"]["label"] == "23:00–07:00"
    assert schedule.in_office_hours(parse_rfc3339("2026-11-30T00:30:00Z"))  # 08:30 local: the office opens
    assert not schedule.in_office_hours(parse_rfc3339("2026-11-30T09:30:00Z"))  # 17:30 local: the line passes to the guards


@pytest.mark.parametrize("office, changes", [("8:30", "08:30,17:30"), ("08:30-17:30", "25:00"), ("08:30-17:30", "08:30;tower")])
def test_a_malformed_schedule_setting_is_refused_with_its_name(office, changes):
    from server.domain.schedule import parse_schedule

    with pytest.raises(ValueError, match="FIELDOPS_"):
        parse_schedule("Asia/Shanghai", office, changes)
