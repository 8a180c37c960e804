"""Service targets as data over real HTTP: the list in force, who may set them, orders keeping the targets
they were created under, the company's own days moving working-day due times, and the record and reply steps
measured and counted in the monthly report.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from server.clock import now, parse_rfc3339, to_rfc3339
from server.ids import new_id
from tests.live_server import new_order_args
from tests.sync.device import Device


def targets(client, **params) -> dict[tuple[str, str | None], dict]:
    r = client.get("/api/v1/service-targets", params=params)
    assert r.status_code == 200, r.text
    return {(t["key"], t["site_id"]): t for t in r.json()}


def step(order: dict, name: str) -> dict:
    return next(s for s in order["sla"] if s["step"] == name)


def test_the_targets_in_force_are_the_domain_defaults_until_someone_sets_one(live, as_user):
    listed = targets(as_user("tech"))
    assert listed[("record", None)] == {"key": "record", "value": 120, "unit": "seconds", "site_id": None}
    assert listed[("reply.help", None)]["value"] == 300
    assert listed[("arrive.urgent", None)]["value"] == 300
    assert listed[("resolve", None)] == {"key": "resolve", "value": 3, "unit": "working_days", "site_id": None}
    assert listed[("resolve.type.gas_ignition", None)] == {"key": "resolve.type.gas_ignition", "value": 2, "unit": "working_days", "site_id": None}


def test_only_admins_set_company_targets_and_supervisors_only_their_own_sites(live, as_user):
    disp, boss, root = as_user("disp"), as_user("boss"), as_user("root")
    assert disp.mutate("set_service_target", key="arrive", value=600, unit="seconds", site_id="north").json()["error"]["code"] == "role_not_allowed"
    company_wide = boss.mutate("set_service_target", key="arrive", value=600, unit="seconds")
    assert company_wide.status_code == 403 and company_wide.json()["error"]["code"] == "role_not_allowed"
    elsewhere = boss.mutate("set_service_target", key="arrive", value=600, unit="seconds", site_id="south")
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["code"] == "site_not_found"
    assert boss.ok("set_service_target", key="feedback", value=1500, unit="seconds", site_id="north") == {
        "key": "feedback", "value": 1500, "unit": "seconds", "site_id": "north"}
    assert root.ok("set_service_target", key="resolve.help", value=2, unit="working_days")["site_id"] is None
    north = targets(boss, site_id="north")
    assert north[("feedback", "north")]["value"] == 1500 and north[("resolve.help", None)]["unit"] == "working_days"
    assert ("feedback", "north") not in targets(as_user("disp_south"))  # another site's own targets stay with it
    assert as_user("disp_south").get("/api/v1/service-targets", params={"site_id": "north"}).json()["error"]["code"] == "site_not_found"
    assert root.get("/api/v1/service-targets", params={"site_id": "atlantis"}).status_code == 404


def test_bad_targets_are_refused_with_a_code(live, as_user):
    root = as_user("root")
    for args, status, code in [
        ({"key": "lunch", "value": 60, "unit": "seconds"}, 422, "invalid_target_key"),
        ({"key": "call_back", "value": 60, "unit": "seconds"}, 422, "invalid_target_key"),  # only orders that need one
        ({"key": "resolve.complaint.huge", "value": 60, "unit": "seconds"}, 422, "invalid_target_key"),
        ({"key": "resolve", "value": 3, "unit": "fortnights"}, 422, "invalid_arguments"),
        ({"key": "resolve", "value": 9999, "unit": "working_days"}, 422, "target_out_of_range"),
        ({"key": "resolve", "value": -1, "unit": "seconds"}, 422, "invalid_arguments"),
        ({"key": "resolve", "value": 3, "unit": "working_days", "site_id": "atlantis"}, 404, "site_not_found"),
    ]:
        r = root.mutate("set_service_target", **args)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), args


def test_an_order_keeps_the_targets_it_was_created_under(live, as_user):
    disp, root = as_user("disp"), as_user("root")
    before = disp.ok("create_work_order", **new_order_args(priority="urgent"))
    root.ok("set_service_target", key="arrive.urgent", value=240, unit="seconds", site_id="north")
    after = disp.ok("create_work_order", **new_order_args(priority="urgent"))
    assert step(disp.order(before["id"]), "arrive")["target_s"] == 300
    assert step(disp.order(after["id"]), "arrive")["target_s"] == 240
    back = root.ok("set_service_target", key="arrive.urgent", value=None, unit="seconds", site_id="north")
    assert back == {"key": "arrive.urgent", "value": 300, "unit": "seconds", "site_id": None}  # the company's applies again
    assert step(disp.order(after["id"]), "arrive")["target_s"] == 240  # its history does not change with the setting


def test_every_sla_entry_has_a_due_time_and_a_closed_company_day_moves_working_day_ones(live, as_user):
    disp, root = as_user("disp_south"), as_user("root")
    order = disp.ok("create_work_order", **new_order_args("south"))
    dispatch, resolve = step(order, "dispatch"), step(order, "resolve")
    assert dispatch["due_at"] == to_rfc3339(parse_rfc3339(order["created_at"]) + timedelta(seconds=120))
    due = parse_rfc3339(resolve["due_at"])
    closed_day = due.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert disp.mutate("set_company_day", day=closed_day, working=False).json()["error"]["code"] == "role_not_allowed"
    assert root.ok("set_company_day", day=closed_day, working=False, reason="typhoon")["working"] is False
    try:
        listed = disp.get("/api/v1/company-days")  # the office's consoles list the company's own days
        assert listed.status_code == 200 and {"day": closed_day, "working": False, "reason": "typhoon"} in listed.json()
        moved = parse_rfc3339(step(disp.order(order["id"]), "resolve")["due_at"])
        assert moved > due and moved.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat() != closed_day
    finally:
        root.ok("set_company_day", day=closed_day, working=None)
    assert step(disp.order(order["id"]), "resolve")["due_at"] == resolve["due_at"]
    assert closed_day not in {d["day"] for d in disp.get("/api/v1/company-days").json()}
    assert root.mutate("set_company_day", day="2026-02-30", working=False).json()["error"]["code"] == "invalid_date"


def test_recording_and_replying_are_measured_and_counted_by_the_monthly_report(live, as_user, world):
    disp = as_user("disp_south")
    late = disp.ok("create_work_order", **new_order_args("south", category="help", title="Lift stuck",
                                                          contacted_at=to_rfc3339(now() - timedelta(minutes=3))))
    record = step(late, "record")
    assert record["target_s"] == 120 and record["met"] is False and record["elapsed_s"] >= 180
    assert step(late, "reply")["met"] is None  # five minutes to answer the caller, still running
    disp.ok("add_note", work_order_id=late["id"], id=new_id(), text="Told the caller the lift company is on its way")
    replied = disp.order(late["id"])
    assert step(replied, "reply")["met"] is True and replied["replied_at"] is not None
    sent = disp.ok("create_work_order", **new_order_args("south", category="help", title="Water on the stairs"))
    assert step(disp.ok("dispatch", work_order_id=sent["id"], technician_id=world.users["tech_south"]), "reply")["met"] is True  # sending someone is a reply
    repair = disp.ok("create_work_order", **new_order_args("south"))
    assert "reply" not in {s["step"] for s in repair["sla"]} and "record" not in {s["step"] for s in repair["sla"]}

    month = parse_rfc3339(late["created_at"]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    body = disp.get("/api/v1/reports/monthly", params={"month": month, "site_id": "south"}).json()
    assert body["on_time"]["record"] == 0.0 and body["on_time"]["reply"] == 1.0
    assert body["on_time_counts"]["reply"] == {"met": 2, "due": 2}
    csv_text = disp.get("/api/v1/reports/monthly", params={"month": month, "site_id": "south", "format": "csv"}).content.decode("utf-8-sig")
    assert "on_time.record,0.0" in csv_text and "on_time.reply,1.0" in csv_text


def test_a_company_day_set_from_an_offline_device_reaches_the_calendar_when_synced(live, as_user):
    disp, root = as_user("disp_south"), as_user("root")
    order = disp.ok("create_work_order", **new_order_args("south"))
    due = step(order, "resolve")["due_at"]
    closed_day = parse_rfc3339(due).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    device = Device(root)
    device.do("set_company_day", day=closed_day, working=False, reason="closed for the district's water works")
    assert device.sync_up() == 1
    try:
        assert step(disp.order(order["id"]), "resolve")["due_at"] > due
    finally:
        root.ok("set_company_day", day=closed_day, working=None)
