"""Pushes go out on worker threads, are retried with backoff on 429/5xx, and every attempt is reported.

The caller (alarm rules, escalation) only enqueues; results come back through on_result.
"""

from __future__ import annotations

import threading

import msgspec
import pytest

import server.push.retry_policy as retry_policy
from server.push import AlarmPush, PushDispatcher, PushJob, PushSubscription, incident_topic

ALARM = AlarmPush(
    alarm_id="alarm-1", work_order_id="wo-1", site_id="tower-a", kind="smoke", zone="3F corridor", ts="2026-11-23T03:00:00Z"
)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[PushJob, PushSubscription, object, str]] = []
        self.lock = threading.Lock()

    def __call__(self, job, subscription, result) -> None:
        with self.lock:
            self.calls.append((job, subscription, result, threading.current_thread().name))


@pytest.fixture
def fast_backoff(monkeypatch):
    monkeypatch.setattr(retry_policy, "BACKOFF_BASE_S", 0.05)


@pytest.fixture
def dispatcher_with(sender):
    started: list[PushDispatcher] = []

    def start(on_result, **kwargs) -> PushDispatcher:
        dispatcher = PushDispatcher(sender, on_result, **kwargs).start()
        started.append(dispatcher)
        return dispatcher

    yield start
    for dispatcher in started:
        dispatcher.stop()


def test_enqueue_returns_at_once_and_workers_send_to_every_subscription(dispatcher_with, push_service):
    recorder = Recorder()
    dispatcher = dispatcher_with(recorder)
    subscriptions = tuple(msgspec.convert(push_service.subscribe(), PushSubscription) for _ in range(3))
    dispatcher.enqueue(PushJob(subscriptions=subscriptions, message=ALARM, topic=incident_topic("wo-1"), context="alarm-1"))
    pushes = push_service.wait_for(3)
    assert dispatcher.wait_idle(5)
    assert {p.payload["alarm_id"] for p in pushes} == {"alarm-1"}
    assert sorted(s.endpoint for _j, s, _r, _t in recorder.calls) == sorted(s.endpoint for s in subscriptions)
    assert all(r.ok and r.final and r.attempt == 1 for _j, _s, r, _t in recorder.calls)
    assert all(j.context == "alarm-1" for j, _s, _r, _t in recorder.calls)
    caller = threading.current_thread().name
    assert all(t.startswith("push-worker-") and t != caller for _j, _s, _r, t in recorder.calls)


def test_429_and_500_are_retried_with_backoff_then_delivered(dispatcher_with, push_service, fast_backoff):
    recorder = Recorder()
    dispatcher = dispatcher_with(recorder)
    raw = push_service.subscribe()
    push_service.answer_with(raw, 429, 500)
    dispatcher.enqueue(PushJob(subscriptions=(msgspec.convert(raw, PushSubscription),), message=ALARM))
    (push,) = push_service.wait_for(1)
    assert dispatcher.wait_idle(5)
    assert push.payload["type"] == "alarm"
    results = [r for _j, _s, r, _t in recorder.calls]
    assert [(r.status, r.attempt, r.final) for r in results] == [(429, 1, False), (500, 2, False), (201, 3, True)]
    attempts = push_service.attempts_on(raw)
    gaps = [later.at - earlier.at for earlier, later in zip(attempts, attempts[1:])]
    assert gaps[0] >= 0.025 - 0.005 and gaps[1] >= 0.05 - 0.005  # half the backoff at least, growing


def test_a_gone_subscription_is_reported_once_and_not_retried(dispatcher_with, push_service, fast_backoff):
    recorder = Recorder()
    dispatcher = dispatcher_with(recorder)
    gone, alive = push_service.subscribe(), push_service.subscribe()
    push_service.expire(gone, 410)
    subscriptions = tuple(msgspec.convert(raw, PushSubscription) for raw in (gone, alive))
    dispatcher.enqueue(PushJob(subscriptions=subscriptions, message=ALARM))
    assert dispatcher.wait_idle(5)
    by_endpoint = {s.endpoint: r for _j, s, r, _t in recorder.calls}
    assert len(recorder.calls) == 2
    assert by_endpoint[gone["endpoint"]].gone and by_endpoint[gone["endpoint"]].final
    assert by_endpoint[alive["endpoint"]].ok


def test_retries_stop_after_the_last_attempt(dispatcher_with, push_service, fast_backoff, monkeypatch):
    monkeypatch.setattr(retry_policy, "MAX_ATTEMPTS", 3)
    recorder = Recorder()
    dispatcher = dispatcher_with(recorder)
    raw = push_service.subscribe()
    push_service.answer_with(raw, 503, 503, 503, 503)
    dispatcher.enqueue(PushJob(subscriptions=(msgspec.convert(raw, PushSubscription),), message=ALARM))
    assert dispatcher.wait_idle(5)
    assert [(r.status, r.final) for _j, _s, r, _t in recorder.calls] == [(503, False), (503, False), (503, True)]


def test_a_failing_callback_does_not_stop_the_workers(dispatcher_with, push_service):
    def broken(job, subscription, result):
        raise RuntimeError("database is locked")

    dispatcher = dispatcher_with(broken, workers=1)
    for _ in range(2):
        raw = push_service.subscribe()
        dispatcher.enqueue(PushJob(subscriptions=(msgspec.convert(raw, PushSubscription),), message=ALARM))
    push_service.wait_for(2)
    assert dispatcher.wait_idle(5)


def test_stop_returns_the_retries_it_did_not_make_and_refuses_new_jobs(sender, push_service, monkeypatch):
    monkeypatch.setattr(retry_policy, "BACKOFF_BASE_S", 30.0)
    recorder = Recorder()
    dispatcher = PushDispatcher(sender, recorder).start()
    raw = push_service.subscribe()
    push_service.answer_with(raw, 503)
    dispatcher.enqueue(PushJob(subscriptions=(msgspec.convert(raw, PushSubscription),), message=ALARM))
    for _ in range(500):  # the first (refused) attempt has been reported
        if recorder.calls:
            break
        threading.Event().wait(0.01)
    abandoned = dispatcher.stop(timeout=5)
    assert [(d.subscription.endpoint, d.attempt) for d in abandoned] == [(raw["endpoint"], 2)]
    with pytest.raises(RuntimeError):
        dispatcher.enqueue(PushJob(subscriptions=(), message=ALARM))
