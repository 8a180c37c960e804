"""Each SLA step says when it is due (CONTRACT.md `due_at`): its start plus its target, from the moment
the step starts; a step not started yet has no deadline — so no screen can count it as running."""

from __future__ import annotations

from datetime import datetime, timezone

from server.domain.sla import DEFAULT_TARGETS, sla_states

NOW = datetime(2026, 12, 1, 11, 0, tzinfo=timezone.utc)


def order(**times: str) -> dict:
    return {"category": "repair", "priority": "urgent", "complaint_level": None, "status": "accepted", "created_at": "2026-12-01T08:50:00.000000Z",
            **times}


def test_a_started_step_is_due_at_its_start_plus_its_target_and_an_unstarted_one_has_no_deadline():
    steps = {s.step: s for s in sla_states(DEFAULT_TARGETS, order(dispatched_at="2026-12-01T08:55:00.000000Z"), NOW)}
    assert steps["dispatch"].due_at == "2026-12-01T08:52:00.000000Z" and steps["dispatch"].met is False  # dispatched 3 minutes after
    assert steps["arrive"].due_at == "2026-12-01T09:00:00.000000Z"  # urgent: 5 minutes after dispatch
    assert steps["arrive"].met is False and steps["arrive"].elapsed_s == 2 * 3600 + 5 * 60  # running, two hours late
    assert steps["resolve"].due_at == "2026-12-02T08:50:00.000000Z" and steps["resolve"].met is None
    assert steps["feedback"].due_at is None and steps["feedback"].elapsed_s is None  # not started: not a deadline yet


def test_a_deferred_job_is_due_at_the_promised_time():
    steps = {s.step: s for s in sla_states(DEFAULT_TARGETS, order(status="deferred", promised_at="2026-12-05T09:00:00Z"), NOW)}
    assert steps["resolve"].due_at == "2026-12-05T09:00:00.000000Z"
