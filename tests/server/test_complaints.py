"""Complaints and call-backs (DOMAIN.md, server/domain/complaints.py): deadlines per level, the dispatcher's call-back queue, harm first."""

from __future__ import annotations

from datetime import timedelta

from server.clock import now, to_rfc3339
from server.domain.complaints import ComplaintPolicy, complaint_deadlines
from server.domain.sla import DEFAULT_TARGETS
from tests.live_server import new_order_args

POLICY = ComplaintPolicy(DEFAULT_TARGETS, "Asia/Shanghai", 3600)


def complaint(level: str, created: str, **over) -> dict:
    return {"id": "c", "category": "complaint", "priority": "normal", "complaint_level": level, "status": "new",
            "created_at": created, "requested_at": None, "promised_at": None, "signed_off_at": None, "completed_at": None, **over}


def test_complaint_deadlines_follow_the_level():
    minor = complaint_deadlines(POLICY, complaint("minor", "2026-03-10T01:00:00.000000Z"))
    assert (minor.handle_by, minor.answer_by, minor.resolve_by) == (None, None, "2026-03-12T01:00:00.000000Z")
    # "2 days, or the customer's deadline"
    asked = complaint_deadlines(POLICY, complaint("minor", "2026-03-10T01:00:00.000000Z", requested_at="2026-03-15T09:00:00.000000Z"))
    assert asked.resolve_by == "2026-03-15T09:00:00.000000Z"

    important = complaint_deadlines(POLICY, complaint("important", "2026-03-10T01:00:00.000000Z"))
    assert important.handle_by == "2026-03-10T02:00:00.000000Z"  # head of office within 1 hour
    assert important.resolve_by == "2026-03-13T01:00:00.000000Z"

    # Received 23:30 Beijing time: management must take it up before midnight, Beijing time.
    major = complaint_deadlines(POLICY, complaint("major", "2026-03-10T15:30:00.000000Z"))
    assert major.handle_by == "2026-03-10T16:00:00.000000Z"
    assert major.answer_by == "2026-03-12T15:30:00.000000Z" and major.resolve_by == "2026-03-20T15:30:00.000000Z"
    assert major.call_back_by is None  # not fixed yet


def test_call_backs_are_due_a_week_after_a_major_fix_and_two_weeks_after_other_complaints():
    fixed = {"signed_off_at": "2026-03-11T02:00:00.000000Z", "completed_at": "2026-03-11T01:00:00.000000Z", "status": "signed_off"}
    assert complaint_deadlines(POLICY, complaint("major", "2026-03-10T01:00:00.000000Z", **fixed)).call_back_by == "2026-03-18T02:00:00.000000Z"
    assert complaint_deadlines(POLICY, complaint("minor", "2026-03-10T01:00:00.000000Z", **fixed)).call_back_by == "2026-03-25T02:00:00.000000Z"
    # Fixed but not signed (a complaint answered without a visit): counted from completion.
    done = {"completed_at": "2026-03-11T01:00:00.000000Z", "status": "completed"}
    assert complaint_deadlines(POLICY, complaint("important", "2026-03-10T01:00:00.000000Z", **done)).call_back_by == "2026-03-25T01:00:00.000000Z"


def test_the_call_back_queue_holds_complaints_and_major_repairs_until_a_call_reaches_the_customer(live, as_user, history):
    start = now() - timedelta(days=10)
    urgent = history.order(start, priority="urgent", dispatch=1, arrive=4, complete=60, sign_off=65)
    normal = history.order(start, dispatch=1, arrive=4, complete=60, sign_off=65)
    minor = history.order(start, category="complaint", complaint_level="minor", dispatch=1, arrive=10, complete=120)
    disp = as_user("disp")

    queue = {item["work_order_id"]: item for item in disp.get("/api/v1/call-backs", params={"site_id": "north"}).json()}
    assert urgent in queue and minor in queue and normal not in queue
    assert queue[urgent]["due_at"] == to_rfc3339(start + timedelta(minutes=65, days=7)) and queue[urgent]["overdue"] is True
    assert queue[minor]["due_at"] == to_rfc3339(start + timedelta(minutes=120, days=14)) and queue[minor]["overdue"] is False
    assert queue[urgent]["reporter"]["phone"] == "13800000000" and queue[urgent]["attempts"] == 0
    assert list(queue).index(urgent) < list(queue).index(minor)  # earliest due first

    disp.ok("call_back", work_order_id=minor, reached=False, comment="no answer")
    queue = {item["work_order_id"]: item for item in disp.get("/api/v1/call-backs").json()}
    assert queue[minor]["attempts"] == 1 and queue[minor]["last_attempt_at"] is not None  # retried, still visible

    disp.ok("call_back", work_order_id=minor, reached=True, satisfied=True, comment="happy")
    disp.ok("call_back", work_order_id=urgent, reached=True, satisfied=True, comment="ok")
    queue = {item["work_order_id"] for item in disp.get("/api/v1/call-backs").json()}
    assert minor not in queue and urgent not in queue
    assert disp.order(urgent)["status"] == "closed"

    assert as_user("tech").get("/api/v1/call-backs").status_code == 403
    assert all(i["site_id"] == "south" for i in as_user("disp_south").get("/api/v1/call-backs").json())


def test_harm_still_going_on_is_flagged_and_listed_first(live, as_user, world):
    disp = as_user("disp")
    quiet = disp.ok("create_work_order", **new_order_args(category="complaint", complaint_level="minor", title="Noise from the gym"))
    leak = disp.ok("create_work_order", **new_order_args(category="complaint", complaint_level="important", title="Ceiling still dripping"))
    flagged = disp.ok("set_harm_ongoing", work_order_id=leak["id"], ongoing=True)
    assert [e["name"] for e in flagged["events"]][-1] == "set_harm_ongoing"

    listed = disp.get("/api/v1/complaints", params={"site_id": "north"}).json()
    assert listed[0]["work_order_id"] == leak["id"] and listed[0]["harm_ongoing_since"] is not None
    row = next(c for c in listed if c["work_order_id"] == quiet["id"])
    assert row["harm_ongoing_since"] is None and row["deadlines"]["resolve_by"] and row["deadlines"]["handle_by"] is None

    disp.ok("set_harm_ongoing", work_order_id=leak["id"], ongoing=False)
    assert next(c for c in disp.get("/api/v1/complaints").json() if c["work_order_id"] == leak["id"])["harm_ongoing_since"] is None
    assert as_user("tech").mutate("set_harm_ongoing", work_order_id=leak["id"], ongoing=True).status_code == 404  # not theirs to see
