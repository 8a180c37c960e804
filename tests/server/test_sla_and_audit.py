"""SLA state from the times steps happened, and the audit chain catching an edited history.

These drive the mutators directly (the same functions HTTP and sync call) with crafted times on a real SQLite file.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from server.auth import load_actor
from server.domain.audit import verify_chain
from server.domain.registry import apply_mutation
from server.domain.sla import DEFAULT_TARGETS, sla_states
from server.domain.views import render_order
from tests import backend
from tests.backend import open_store
from tests.live_server import new_order_args
from tests.world import build_world

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store_world(tmp_path):
    path = str(tmp_path / "fieldops.db")
    world = build_world(path)
    store = open_store(path)
    actors = store.read(lambda tx: {name: load_actor(tx, uid) for name, uid in world.users.items()})
    yield store, actors, world
    store.close()


def run(store, actor, name, minutes, **args):
    return store.write(lambda tx: apply_mutation(tx, actor, name, args, T0 + timedelta(minutes=minutes)))


def sla_of(store, actor, order_id, now):
    row = store.read(lambda tx: tx.one("SELECT * FROM work_orders WHERE id = ?", (order_id,)))
    return {s.step: s for s in sla_states(DEFAULT_TARGETS, row, now)}


def test_arrival_within_15_minutes_meets_the_target_and_35_misses_it(store_world):
    store, a, world = store_world
    results = []
    for arrive_after in (10, 35):
        args = new_order_args()
        run(store, a["disp"], "create_work_order", 0, **args)
        run(store, a["disp"], "dispatch", 1, work_order_id=args["id"], technician_id=world.users["tech"])
        run(store, a["tech"], "accept", 2, work_order_id=args["id"])
        run(store, a["tech"], "arrive", 1 + arrive_after, work_order_id=args["id"])
        results.append(sla_of(store, a["disp"], args["id"], T0 + timedelta(hours=1))["arrive"])
    assert [(r.target_s, r.elapsed_s, r.met) for r in results] == [(900, 600.0, True), (900, 2100.0, False)]


def test_urgent_work_must_arrive_within_5_minutes(store_world):
    store, a, world = store_world
    args = new_order_args(priority="urgent")
    run(store, a["disp"], "create_work_order", 0, **args)
    run(store, a["disp"], "dispatch", 1, work_order_id=args["id"], technician_id=world.users["tech"])
    state = sla_of(store, a["disp"], args["id"], T0 + timedelta(minutes=4))
    assert state["arrive"].target_s == 300 and state["arrive"].met is None  # still running, within target
    state = sla_of(store, a["disp"], args["id"], T0 + timedelta(minutes=7))
    assert state["arrive"].met is False  # already missed before arrival
    assert state["dispatch"].met is True and state["dispatch"].elapsed_s == 60.0


def test_feedback_counts_from_completion_to_when_the_server_learned_it(store_world):
    store, a, world = store_world
    args = new_order_args()
    run(store, a["disp"], "create_work_order", 0, **args)
    run(store, a["disp"], "dispatch", 1, work_order_id=args["id"], technician_id=world.users["tech"])
    run(store, a["tech"], "accept", 2, work_order_id=args["id"])
    run(store, a["tech"], "arrive", 5, work_order_id=args["id"])
    run(store, a["tech"], "confirm_scope", 6, work_order_id=args["id"], scope="s", labor_fee=0, material_fee=0, customer_name="c")
    run(store, a["tech"], "attach_photo", 30, work_order_id=args["id"], sha256="a" * 64, kind="cleanup", taken_at="2026-11-02T09:30:00Z")
    run(store, a["tech"], "complete", 31, work_order_id=args["id"], summary="done")  # learned "now", weeks later
    state = sla_of(store, a["disp"], args["id"], datetime.now(timezone.utc))
    assert state["feedback"].met is False and state["feedback"].elapsed_s > 1200
    assert state["resolve"].met is True and state["resolve"].elapsed_s == 31 * 60


def test_targets_depend_on_category_priority_and_complaint_level(store_world):
    store, a, _ = store_world
    expected = {"minor": 2 * 86400, "important": 3 * 86400, "major": 10 * 86400}
    for level, target in expected.items():
        args = new_order_args(category="complaint", complaint_level=level)
        run(store, a["disp"], "create_work_order", 0, **args)
        state = sla_of(store, a["disp"], args["id"], T0 + timedelta(hours=1))
        assert state["resolve"].target_s == target
        assert state["call_back"].target_s == (7 if level == "major" else 14) * 86400
    args = new_order_args(category="emergency", priority="normal")
    run(store, a["guard"], "create_work_order", 0, **args)
    state = sla_of(store, a["disp"], args["id"], T0)
    assert state["resolve"].target_s == 4 * 3600 and state["arrive"].target_s == 300
    args = new_order_args()
    run(store, a["disp"], "create_work_order", 0, **args)
    assert "call_back" not in sla_of(store, a["disp"], args["id"], T0)


def test_a_step_never_happens_before_the_one_before_it(store_world):
    store, a, world = store_world
    args = new_order_args()
    run(store, a["disp"], "create_work_order", 10, **args)
    run(store, a["disp"], "dispatch", 11, work_order_id=args["id"], technician_id=world.users["tech"])
    run(store, a["tech"], "accept", 3, work_order_id=args["id"])  # a device clock behind the office's
    row = store.read(lambda tx: tx.one("SELECT dispatched_at, accepted_at FROM work_orders WHERE id = ?", (args["id"],)))
    assert row["accepted_at"] == row["dispatched_at"]


def test_the_audit_chain_detects_an_edited_event(store_world, tmp_path):
    store, a, world = store_world
    args = new_order_args()
    run(store, a["disp"], "create_work_order", 0, **args)
    run(store, a["disp"], "dispatch", 1, work_order_id=args["id"], technician_id=world.users["tech"])
    run(store, a["tech"], "accept", 2, work_order_id=args["id"])
    assert store.read(lambda tx: verify_chain(tx, args["id"])).valid
    with backend.connect(tmp_path / "fieldops.db") as raw:  # someone edits history behind the app's back
        raw.execute("UPDATE wo_events SET occurred_at = '2026-11-02T08:00:00.000000Z' WHERE work_order_id = ? AND n = 2", (args["id"],))
    check = store.read(lambda tx: verify_chain(tx, args["id"]))
    assert not check.valid and check.broken_at == 2
    with backend.connect(tmp_path / "fieldops.db") as raw:
        raw.execute("DELETE FROM wo_events WHERE work_order_id = ? AND n = 2", (args["id"],))
    assert not store.read(lambda tx: verify_chain(tx, args["id"])).valid


def test_a_refused_mutation_leaves_nothing_half_written(store_world):
    store, a, world = store_world
    args = new_order_args()
    run(store, a["disp"], "create_work_order", 0, **args)
    before = store.read(lambda tx: (tx.one("SELECT count(*) AS n FROM wo_events")["n"], tx.one("SELECT count(*) AS n FROM changes")["n"]))
    with pytest.raises(Exception):
        run(store, a["tech"], "complete", 1, work_order_id=args["id"], summary="x")
    after = store.read(lambda tx: (tx.one("SELECT count(*) AS n FROM wo_events")["n"], tx.one("SELECT count(*) AS n FROM changes")["n"]))
    assert before == after
    view = store.read(lambda tx: render_order(tx, a["disp"], tx.one("SELECT * FROM work_orders WHERE id = ?", (args["id"],))))
    assert view["status"] == "new"
