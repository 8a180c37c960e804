"""Escalation timers kept as rows: complaints by level, harm ongoing, overdue call-backs; they fire once,
survive a restart, and a failing notifier loses nothing. In-process on a real SQLite file, then over HTTP."""

from __future__ import annotations

import json

import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from server.services import Services
from server.settings import from_env
from server.timers import WorkOrderEscalations
from tests.backend import POSTGRES, server_env
from tests.live_server import new_order_args
from tests.reports.history import History, at
from tests.world import build_world

T0 = datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc)  # 09:00 in Shanghai


class Inbox:
    """The supervisors' notifier the escalation job is given: records what it is handed, or fails while `down`."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.down = False

    def __call__(self, site_id: str, payload: dict[str, Any]) -> None:
        if self.down:
            raise ConnectionError("push service down")
        self.sent.append((site_id, payload))

    def take(self) -> list[tuple[str, str]]:
        got = [(p["kind"], p["work_order_id"]) for _, p in self.sent]
        self.sent.clear()
        return got


@pytest.fixture(scope="module")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "fieldops.db"
    if not POSTGRES:
        build_world(str(path))  # slow on purpose (argon2 hashes): built once, copied per test
    return path


@pytest.fixture
def data_dir(tmp_path: Path, world_template: Path) -> Path:
    if POSTGRES:
        build_world(str(tmp_path / "fieldops.db"))  # a database of its own from the migrated template
    else:
        shutil.copy(world_template, tmp_path / "fieldops.db")
    return tmp_path


def open_services(data_dir: Path, inbox: Inbox) -> Services:
    return Services(from_env(server_env(data_dir), data_dir=data_dir, demo=False, mqtt_url="off", complaint_handle_important_s=3600))


def test_an_important_complaint_goes_to_supervisors_at_once_and_again_when_not_taken_up_within_the_hour(data_dir):
    inbox = Inbox()
    services = open_services(data_dir, inbox)
    history = History(str(data_dir / "fieldops.db"))
    try:
        timer = WorkOrderEscalations(services, inbox)
        ignored = history.order(T0, category="complaint", complaint_level="important", title="Rude guard")
        handled = history.order(T0, category="complaint", complaint_level="important", title="Lift dirty", dispatch=30)
        minor = history.order(T0, category="complaint", complaint_level="minor", title="Leaflets")

        timer.tick(T0 + timedelta(minutes=1))
        assert {site for site, _ in inbox.sent} == {"north"}
        first = inbox.sent[0][1]
        assert first["type"] == "work_order_escalation" and first["title"] in ("Rude guard", "Lift dirty") and first["complaint_level"] == "important"
        assert not {"reporter", "unit", "reporter_phone"} & set(first)  # no customer details in a push
        assert sorted(inbox.take()) == sorted([("complaint_received", ignored), ("complaint_received", handled)])
        timer.tick(T0 + timedelta(minutes=59))
        assert inbox.take() == []
        timer.tick(T0 + timedelta(minutes=61))
        assert inbox.take() == [("complaint_unhandled", ignored)]  # the dispatched one is taken up
        timer.tick(T0 + timedelta(minutes=90))
        assert inbox.take() == []  # once
        # Past the 2-day deadline the unresolved minor complaint escalates too (3 days for the important ones).
        timer.tick(T0 + timedelta(days=2, minutes=1))
        assert inbox.take() == [("resolve_overdue", minor)]
    finally:
        history.close()
        services.close()


def test_a_major_complaint_must_be_taken_up_the_same_day_in_company_time(data_dir):
    inbox = Inbox()
    services = open_services(data_dir, inbox)
    history = History(str(data_dir / "fieldops.db"))
    try:
        timer = WorkOrderEscalations(services, inbox)
        late_evening = at("2026-03-10 22:00")
        major = history.order(late_evening, category="complaint", complaint_level="major", title="Flooded by a repair")
        timer.tick(late_evening + timedelta(minutes=1))
        assert inbox.take() == [("complaint_received", major)]
        timer.tick(at("2026-03-10 23:59"))
        assert inbox.take() == []
        timer.tick(at("2026-03-11 00:00"))
        assert inbox.take() == [("complaint_unhandled", major)]
    finally:
        history.close()
        services.close()


def test_escalation_timers_survive_a_restart_and_fire_once(data_dir):
    inbox = Inbox()
    services = open_services(data_dir, inbox)
    history = History(str(data_dir / "fieldops.db"))
    urgent = history.order(T0, priority="urgent", dispatch=1, arrive=4, complete=60, sign_off=65)
    WorkOrderEscalations(services, inbox).tick(T0 + timedelta(hours=2))
    assert inbox.take() == []
    pending = services.store.read(lambda tx: tx.query("SELECT kind, due_at FROM escalations WHERE work_order_id = ? AND fired_at IS NULL AND dropped_at IS NULL", (urgent,)))
    assert pending == [{"kind": "call_back_overdue", "due_at": "2026-03-17T02:05:00.000000Z"}]  # 7 days after sign-off
    services.close()

    services = open_services(data_dir, inbox)  # a new process: the timer is a row, not a thread's memory
    try:
        timer = WorkOrderEscalations(services, inbox)
        timer.tick(T0 + timedelta(days=7, hours=1, minutes=6))
        assert inbox.take() == [("call_back_overdue", urgent)]
        timer.tick(T0 + timedelta(days=8))
        assert inbox.take() == []
        history.step(history.disp, "call_back", T0 + timedelta(days=8), work_order_id=urgent, reached=True, satisfied=True, comment="")
        timer.tick(T0 + timedelta(days=9))
        assert inbox.take() == []
    finally:
        history.close()
        services.close()


def test_a_failing_notifier_leaves_the_escalation_due_for_the_next_round(data_dir):
    inbox = Inbox()
    services = open_services(data_dir, inbox)
    history = History(str(data_dir / "fieldops.db"))
    try:
        order = history.order(T0, category="complaint", complaint_level="major", title="Injury in the car park")
        inbox.down = True
        timer = WorkOrderEscalations(services, inbox)
        assert timer.tick(T0 + timedelta(minutes=1)) == []
        inbox.down = False
        timer.tick(T0 + timedelta(minutes=2))
        assert inbox.take() == [("complaint_received", order)]
    finally:
        history.close()
        services.close()


def test_harm_flagged_again_after_it_was_stopped_escalates_again(data_dir):
    inbox = Inbox()
    services = open_services(data_dir, inbox)
    history = History(str(data_dir / "fieldops.db"))
    try:
        timer = WorkOrderEscalations(services, inbox)
        order = history.order(T0, dispatch=1)
        history.step(history.disp, "set_harm_ongoing", T0 + timedelta(minutes=5), work_order_id=order, ongoing=True)
        timer.tick(T0 + timedelta(minutes=5, seconds=1))
        assert inbox.take() == [("harm_ongoing", order)]
        history.step(history.disp, "set_harm_ongoing", T0 + timedelta(minutes=20), work_order_id=order, ongoing=False)
        timer.tick(T0 + timedelta(minutes=21))
        history.step(history.disp, "set_harm_ongoing", T0 + timedelta(minutes=40), work_order_id=order, ongoing=True)
        timer.tick(T0 + timedelta(minutes=41))
        assert inbox.take() == [("harm_ongoing", order)]
    finally:
        history.close()
        services.close()


def test_a_running_server_escalates_with_the_deadline_setting_shortened_and_counts_overdue_work(start_server, as_user_of):
    server = start_server(env={"FIELDOPS_COMPLAINT_HANDLE_IMPORTANT_S": "1", "FIELDOPS_ESCALATION_POLL_S": "0.2"})
    history = History(str(server.data_dir / "fieldops.db"))
    try:
        history.order(T0)  # recorded long ago, never dispatched: overdue on the dispatch step
        disp = as_user_of(server, "disp")
        order = disp.ok("create_work_order", **new_order_args(category="complaint", complaint_level="important", title="Ignored twice"))
        deadline = time.monotonic() + 10
        fired: set[str] = set()
        while time.monotonic() < deadline and fired != {"complaint_received", "complaint_unhandled"}:
            rows = disp.get("/api/v1/escalations", params={"state": "fired", "site_id": "north"}).json()
            fired = {r["kind"] for r in rows if r["work_order_id"] == order["id"]}
            time.sleep(0.2)
        assert fired == {"complaint_received", "complaint_unhandled"}
        owed = [(r["payload"],) for r in history.store.read(lambda tx: tx.query("SELECT payload FROM push_outbox WHERE audience = 'supervisors' AND site_id = 'north'"))]
        assert any(json.loads(p)["type"] == "work_order_escalation" and json.loads(p)["work_order_id"] == order["id"] for (p,) in owed)
        metrics = disp.get("/metrics").text
        assert 'fieldops_escalations_total{kind="complaint_unhandled"} 1.0' in metrics

        def overdue_dispatches() -> bool:  # the gauges refresh a few seconds after orders change
            lines = disp.get("/metrics").text.splitlines()
            return any(line.startswith('fieldops_overdue_work_orders{step="dispatch"}') and float(line.split()[-1]) >= 1 for line in lines)

        deadline = time.monotonic() + 10
        while not overdue_dispatches() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert overdue_dispatches()
        assert as_user_of(server, "tech").get("/api/v1/escalations").status_code == 403
    finally:
        history.close()
