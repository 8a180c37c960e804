"""Background push delivery: a few worker threads draining a timed queue, retrying with backoff.

Callers (alarm rules after commit, escalation timers) enqueue and return at once; pushes never run
inside a database transaction or on the MQTT callback thread. Results come back through `on_result`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import msgspec

from server.push.delivery import DeliveryResult
from server.push.payload import PushMessage
from server.push.retry_policy import retry_delay_s
from server.push.subscription import PushSubscription

log = logging.getLogger(__name__)

# A handful of threads: push services answer in tens of milliseconds, so three senders keep up
# with an alarm storm on two cores, and one slow endpoint cannot hold up the rest.
DEFAULT_WORKERS = 3
# How long stop() waits for in-flight requests (bounded by the sender's own timeouts).
STOP_TIMEOUT_S = 15.0


class PushJob(msgspec.Struct, frozen=True, kw_only=True):
    """One message for some subscriptions; `context` is the caller's own (alarm id, recipients, ...)."""

    subscriptions: tuple[PushSubscription, ...]
    message: PushMessage
    topic: str | None = None
    urgency: str | None = None
    context: Any = None


class PushDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery the dispatcher still owed when it was stopped."""

    job: PushJob
    subscription: PushSubscription
    attempt: int


class Sends(Protocol):
    def send(
        self, subscription: PushSubscription, message: PushMessage, *, topic: str | None = ..., urgency: str | None = ...
    ) -> DeliveryResult: ...


OnResult = Callable[[PushJob, PushSubscription, DeliveryResult], None]
RetryDelay = Callable[[DeliveryResult, int], float | None]


class PushDispatcher:
    def __init__(
        self,
        sender: Sends,
        on_result: OnResult,
        *,
        workers: int = DEFAULT_WORKERS,
        retry_delay: RetryDelay = retry_delay_s,
    ) -> None:
        self._sender = sender
        self._on_result = on_result
        self._retry_delay = retry_delay
        self._worker_count = workers
        self._due: list[tuple[float, int, PushDelivery]] = []
        self._sequence = itertools.count()
        self._in_flight = 0
        self._stopping = False
        self._changed = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self) -> PushDispatcher:
        for number in range(self._worker_count):
            thread = threading.Thread(target=self._work, name=f"push-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def enqueue(self, job: PushJob) -> None:
        """Queue one delivery per subscription; returns at once (safe on any thread)."""
        now = time.monotonic()
        with self._changed:
            if self._stopping:
                raise RuntimeError("the push dispatcher is stopped")
            for subscription in job.subscriptions:
                delivery = PushDelivery(job=job, subscription=subscription, attempt=1)
                heapq.heappush(self._due, (now, next(self._sequence), delivery))
            self._changed.notify_all()

    @property
    def pending(self) -> int:
        """Deliveries queued or waiting for a retry, plus those being sent."""
        with self._changed:
            return len(self._due) + self._in_flight

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued delivery and retry has finished; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._due and self._in_flight == 0, timeout)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> list[PushDelivery]:
        """Let in-flight sends finish, stop the workers, and return the deliveries never made.

        Escalation keeps its timers in the database, so what is returned here is logged, not lost.
        """
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._changed:
            abandoned = [delivery for _due, _seq, delivery in sorted(self._due)]
            self._due.clear()
        if abandoned:
            log.warning("push dispatcher stopped with %d deliveries not made", len(abandoned))
        return abandoned

    def _work(self) -> None:
        while True:
            delivery = self._next_due()
            if delivery is None:
                return
            try:
                self._deliver(delivery)
            finally:
                with self._changed:
                    self._in_flight -= 1
                    self._changed.notify_all()

    def _next_due(self) -> PushDelivery | None:
        with self._changed:
            while not self._stopping:
                now = time.monotonic()
                if self._due and self._due[0][0] <= now:
                    self._in_flight += 1
                    return heapq.heappop(self._due)[2]
                self._changed.wait(self._due[0][0] - now if self._due else None)
            return None

    def _deliver(self, delivery: PushDelivery) -> None:
        job, subscription = delivery.job, delivery.subscription
        try:
            result = self._sender.send(subscription, job.message, topic=job.topic, urgency=job.urgency)
        except Exception as exc:  # a sender bug must not kill the worker that carries other alarms
            log.exception("push sender failed for %s", subscription.endpoint)
            result = DeliveryResult(endpoint=subscription.endpoint, ok=False, error=f"push_send_crashed: {exc!r}")
        delay = self._retry_delay(result, delivery.attempt)
        result = msgspec.structs.replace(result, attempt=delivery.attempt, final=delay is None)
        try:
            self._on_result(job, subscription, result)
        except Exception:
            log.exception("push on_result callback failed for %s", subscription.endpoint)
        if delay is not None:
            retry = msgspec.structs.replace(delivery, attempt=delivery.attempt + 1)
            with self._changed:
                heapq.heappush(self._due, (time.monotonic() + delay, next(self._sequence), retry))
                self._changed.notify_all()
