"""What the dispatcher's console records over real HTTP: how a report came in and when, the kind of
help, a complaint's particulars, rework links, technicians per site, disputed orders, and the review
of refusals and conflicts (resolve_conflict)."""

from __future__ import annotations

from datetime import timedelta

from server.clock import now, to_rfc3339
from tests.evidence.flow import completed_order, sign
from tests.evidence.photos import sha
from tests.live_server import new_order_args
from tests.sync.device import Device


def test_a_phone_call_for_help_keeps_its_channel_contact_time_and_kind(as_user):
    disp = as_user("disp")
    contacted = to_rfc3339(now() - timedelta(minutes=1))
    order = disp.ok("create_work_order", **new_order_args(category="help", priority="urgent", title="Elderly resident fell",
                                                          channel="phone", contacted_at=contacted, help_kind="medical"))
    assert (order["channel"], order["help_kind"]) == ("phone", "medical")
    assert order["contacted_at"][:19] == contacted[:19] and order["contacted_at"].endswith("Z")
    created = disp.order(order["id"])["events"][0]
    assert created["data"]["channel"] == "phone" and created["data"]["help_kind"] == "medical"


def test_a_complaint_records_who_is_complained_about_what_happened_and_what_the_customer_wants(as_user):
    disp, tech = as_user("disp"), as_user("tech")
    details = {"about": "Cleaning team", "happened": "Stairwell not cleaned for a week", "wants": "Daily cleaning and an apology"}
    order = disp.ok("create_work_order", **new_order_args(category="complaint", complaint_level="important", channel="visit",
                                                          title="Dirty stairwell", complaint=details))
    assert order["complaint"] == details and order["complaint_level"] == "important" and order["channel"] == "visit"
    disp.ok("dispatch", work_order_id=order["id"], technician_id=tech.user["id"])
    assert tech.order(order["id"])["complaint"]["about"] == "Cleaning team"


def test_report_details_that_do_not_fit_the_category_are_refused(as_user):
    disp = as_user("disp")
    r = disp.mutate("create_work_order", **new_order_args(category="repair", help_kind="medical"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_arguments"
    r = disp.mutate("create_work_order", **new_order_args(category="help", complaint={"about": "x"}))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_arguments"
    r = disp.mutate("create_work_order", **new_order_args(category="help", help_kind="alien_abduction"))
    assert r.status_code == 422
    r = disp.mutate("create_work_order", **new_order_args(channel="carrier_pigeon"))
    assert r.status_code == 422
    r = disp.mutate("create_work_order", **new_order_args(contacted_at="yesterday-ish"))
    assert r.status_code == 422


def test_an_old_app_create_without_the_new_fields_still_works(as_user):
    order = as_user("disp").ok("create_work_order", **new_order_args())
    assert order["channel"] is None and order["help_kind"] is None and order["complaint"] is None and order["contacted_at"] is None


def test_the_pull_tells_a_dispatcher_which_of_their_sites_each_colleague_works_on(as_user, world):
    device = Device(as_user("disp"))
    users = {obj_id: value for (kind, obj_id), value in (device.pull() and device.objects).items() if kind == "user"}
    assert users[world.users["tech"]]["site_ids"] == ["north"]
    assert world.users["tech_south"] not in users  # another site's technician is not even listed
    root_view = Device(as_user("root"))
    root_view.pull()
    assert root_view.objects[("user", world.users["tech_south"])]["site_ids"] == ["south"]


def test_a_disputed_order_can_be_signed_again_or_sent_back_to_a_technician(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"])
    refused = sign(tech, order, sha(b"first signature"), accepted=False, comment="Still dripping")
    assert refused.json()["status"] == "disputed"
    again = sign(tech, tech.order(order["id"]), sha(b"second signature"), accepted=True, comment="Fixed after all")
    assert again.status_code == 200 and again.json()["status"] == "signed_off"

    order = completed_order(disp, tech, world.users["tech"])
    sign(tech, order, sha(b"third signature"), accepted=False, comment="Still dripping")
    back = disp.ok("dispatch", work_order_id=order["id"], technician_id=world.users["tech_b"])
    assert back["status"] == "dispatched" and back["assignee_id"] == world.users["tech_b"]


def _refused_offline_step(as_user, world):
    """A technician's offline accept lands after the office cancelled the order: one conflict on it."""
    disp, tech = as_user("disp"), as_user("tech")
    order = disp.ok("create_work_order", **new_order_args())
    disp.ok("dispatch", work_order_id=order["id"], technician_id=world.users["tech"])
    disp.ok("cancel", work_order_id=order["id"], reason="duplicate report")
    device = Device(tech)
    happened = to_rfc3339(now() - timedelta(minutes=30))
    device.do("accept", client_ts=happened, work_order_id=order["id"])
    device.sync_up()
    return disp.order(order["id"])


def test_a_refusal_is_one_conflict_with_its_code_who_and_both_times(as_user, world):
    order = _refused_offline_step(as_user, world)
    [conflict] = order["conflicts"]
    assert conflict["code"] == "invalid_status" and conflict["mutation"] == "accept"
    assert conflict["actor_id"] == world.users["tech"] and conflict["mutation_id"] == 1
    assert conflict["occurred_at"] < conflict["created_at"]  # done offline half an hour before the server heard
    assert "offline" not in conflict["message"]


def test_a_dispatcher_resolves_a_conflict_once_and_the_order_remembers_how(as_user, world):
    disp = as_user("disp")
    order = _refused_offline_step(as_user, world)
    conflict_id = order["conflicts"][0]["id"]
    resolved = disp.ok("resolve_conflict", conflict_id=conflict_id, resolution="upheld", note="Order was a duplicate; told the technician")
    [conflict] = resolved["conflicts"]
    assert conflict["resolution"] == "upheld" and conflict["resolved_by"] == world.users["disp"] and conflict["resolved_at"]
    assert conflict["resolution_note"] == "Order was a duplicate; told the technician"
    assert disp.order(order["id"])["events"][-1]["name"] == "resolve_conflict"
    # pressing again (a retried push) is harmless; resolving it differently is refused
    assert disp.mutate("resolve_conflict", conflict_id=conflict_id, resolution="upheld").status_code == 200
    r = disp.mutate("resolve_conflict", conflict_id=conflict_id, resolution="redone")
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict_already_resolved"


def test_only_the_service_centre_of_the_orders_site_resolves_conflicts(as_user, world):
    order = _refused_offline_step(as_user, world)
    conflict_id = order["conflicts"][0]["id"]
    r = as_user("tech").mutate("resolve_conflict", conflict_id=conflict_id, resolution="dismissed")
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed"
    r = as_user("disp_south").mutate("resolve_conflict", conflict_id=conflict_id, resolution="dismissed")
    assert r.status_code == 404
    r = as_user("disp").mutate("resolve_conflict", conflict_id=999_999, resolution="dismissed")
    assert r.status_code == 404 and r.json()["error"]["code"] == "conflict_not_found"
    r = as_user("disp").mutate("resolve_conflict", conflict_id=conflict_id, resolution="shrug")
    assert r.status_code == 422


def test_every_call_back_attempt_stays_on_the_order(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    order = completed_order(disp, tech, world.users["tech"], priority="urgent")
    assert sign(tech, order, sha(b"call-back signature")).status_code == 200
    disp.ok("call_back", work_order_id=order["id"], reached=False, comment="no answer")
    closed = disp.ok("call_back", work_order_id=order["id"], reached=True, satisfied=True, comment="happy")
    assert closed["status"] == "closed"
    attempts = [(c["reached"], c["comment"], c["actor_id"]) for c in closed["call_backs"]]
    assert attempts == [(False, "no answer", world.users["disp"]), (True, "happy", world.users["disp"])]
    assert all(c["occurred_at"] and c["recorded_at"] for c in closed["call_backs"])


def test_what_the_customer_said_in_a_complaint_is_hidden_once_the_job_is_no_longer_the_technicians(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    details = {"about": "Security desk", "happened": "Rude to my mother", "wants": "An apology"}
    order = disp.ok("create_work_order", **new_order_args(category="complaint", complaint_level="minor", complaint=details))
    disp.ok("dispatch", work_order_id=order["id"], technician_id=world.users["tech"])
    assert tech.order(order["id"])["complaint"] == details
    disp.ok("cancel", work_order_id=order["id"], reason="withdrawn")
    assert tech.order(order["id"])["complaint"] == {"about": "Security desk", "happened": "", "wants": ""}
    assert disp.order(order["id"])["complaint"] == details
