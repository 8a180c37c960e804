"""Every periodic job of `fieldops serve`, started together by `start_timers`: alarm escalation, the push outbox, the
alarm gauges, device silence (with the dedupe memory) and work-order escalations. Each job has a name, a period and
a thread of its own, so a long round of one (planning every open order) never delays another (a fire's escalation).

Deadlines live in the database (alarms.escalate_at, sensor_devices.last_seen, escalations.due_at), so a restart
loses none; with several instances each fires once, on whichever instance is alive: a conditional UPDATE marks an
alarm escalated, a turn (server/claims.py `take_turn`) gives one instance the silence round, a claim one escalation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.claims import claim, take_turn
from server.clock import now as clock_now, parse_rfc3339
from server.domain.alarms.escalation import escalate_due, unacked_alarms
from server.domain.alarms.rules import forget_old_messages, silent_devices
from server.domain.escalations import apply_changes, complaint_policy, due_now, mark_fired, overdue_counts, plan
from server.metrics import ALARMS_UNACKED, ESCALATIONS, OVERDUE_ORDERS, PUSH_OUTBOX_OLDEST
from server.push.outbox import oldest_owed_at
from server.store import Tx

__all__ = ["PeriodicJob", "Timers", "WorkOrderEscalations", "NotifySupervisors", "start_timers"]

log = logging.getLogger(__name__)

# Alarm escalation is due within a second of its deadline; checking more often would only spin the writer.
TICK_S = 0.5
# Pushes a mutation owed (end_shift leaving alarms with nobody on duty) or a dead instance left are taken within
# this of their commit, and the claims still being worked on are renewed; the same beat as escalation.
OUTBOX_EVERY_S = TICK_S
# The unacknowledged-alarm and outbox-age gauges: two aggregate reads, fresh to the beat of escalation, so an
# alert on them sees what escalation sees.
ALARM_GAUGES_EVERY_S = TICK_S
# Silence is judged in hours, so once a minute is plenty.
SILENCE_EVERY_S = 60.0
# How often an instance asks whether the silence round is its turn: a round is late by this at most when
# the instance that ran the last one is gone.
TURN_ASK_S = 5.0
# The overdue gauges scan every open order: once a minute when nothing changes (time alone makes orders
# overdue), and at most every few seconds while orders change, so a scrape soon shows new work.
GAUGES_EVERY_S = 60.0
GAUGES_AFTER_CHANGE_S = 3.0
# ... and never more often than this many times its own last cost: with 50,000 open orders a scan takes seconds of
# CPU, and every 3 s it took a core from the pulls and pushes it measures (the gauges then trail by under a minute).
GAUGES_COST_FACTOR = 20.0
# Work-order escalations poll every FIELDOPS_ESCALATION_POLL_S (settings.escalation_poll_s): their deadlines are
# minutes to days apart, and each round plans the orders changed since the last.

# A work-order escalation handed to whoever tells the site's supervisors (the owed-push sender, in `serve`).
NotifySupervisors = Callable[[str, dict[str, Any]], None]


class PeriodicJob:
    """One periodic job: its name (the thread's and the logs'), how often it runs, and one round of it."""

    def __init__(self, name: str, every_s: float, run: Callable[[], Any]) -> None:
        self.name, self.every_s, self.run = name, every_s, run


class Timers:
    """Runs each job every `every_s` on its own thread until stopped; a failing round is logged and the job goes on."""

    def __init__(self, jobs: list[PeriodicJob]) -> None:
        self.jobs = jobs
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(job,), name=f"timer-{job.name}", daemon=True) for job in jobs]

    def start(self) -> "Timers":
        for thread in self._threads:
            thread.start()
        return self

    def _loop(self, job: PeriodicJob) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                job.run()
            except Exception:  # a bad round must not end the job for good
                log.exception("timer job %s failed", job.name)
            self._stop.wait(max(0.0, job.every_s - (time.monotonic() - started)))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(10)


def start_timers(services: Any, sender: Any, notify: NotifySupervisors) -> Timers:
    """Every periodic job of `serve`, started; `sender` sends owed pushes, `notify` takes work-order escalations."""
    store, settings = services.store, services.settings

    def escalate_alarms() -> None:
        at = clock_now()
        sender.send(store.write(lambda tx: escalate_due(tx, at)))

    def alarm_gauges() -> None:
        at = clock_now()
        unacked, oldest = store.read(lambda tx: (unacked_alarms(tx), oldest_owed_at(tx)))
        ALARMS_UNACKED.set(unacked)
        PUSH_OUTBOX_OLDEST.set(max(0.0, (at - parse_rfc3339(oldest)).total_seconds()) if oldest else 0.0)
        if services.bridge is not None:
            services.bridge.state  # refreshes the MQTT gauge even when nobody reads /health

    def device_silence() -> None:
        at = clock_now()

        def silence_round(tx: Tx) -> Any:
            # One instance per minute runs it, whichever is alive; the turn commits with the round, so a round cut
            # short by a crash is taken by the next instance that asks.
            if not take_turn(tx, "device_silence", services.holder, at, SILENCE_EVERY_S):
                return None
            forget_old_messages(tx, at)
            return silent_devices(tx, at, settings.device_silent_after_s, settings.escalate_after_s)

        outcome = store.write(silence_round)
        if outcome is not None:
            sender.send(outcome.outbox_ids)
            services.feed.publish_alarms(outcome.alarm_ids)  # with their sites, in one read

    return Timers([
        PeriodicJob("alarm-escalation", TICK_S, escalate_alarms),
        PeriodicJob("push-outbox", OUTBOX_EVERY_S, sender.send_owed),
        PeriodicJob("alarm-gauges", ALARM_GAUGES_EVERY_S, alarm_gauges),
        PeriodicJob("device-silence", TURN_ASK_S, device_silence),
        PeriodicJob("work-order-escalation", settings.escalation_poll_s, WorkOrderEscalations(services, notify).tick),
    ]).start()


class WorkOrderEscalations:
    """One round: plan escalation rows, hand due ones to `notify(site_id, payload)`, mark them fired, refresh gauges.

    Delivery is at-least-once: a row is marked fired only after the notifier took it, so a crash in between
    repeats a push rather than losing it. With several instances each due row is claimed first (server/claims.py):
    one instance notifies, and another does when the claimer died before marking it fired.
    """

    def __init__(self, services: Any, notify: NotifySupervisors) -> None:
        self.services, self.notify = services, notify
        self.policy = complaint_policy(services)
        self._planned: int | None = None  # change-log version the escalation rows reflect; None: plan everything
        self._gauges_at = 0.0
        self._gauges_cost = 0.0  # seconds the last overdue scan took
        self._gauges_stale = True

    def tick(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """One round (at `now`, else the clock's time); returns what was handed to the notifier."""
        moment = now or clock_now()
        services = self.services
        changes, version = services.store.read(lambda tx: plan(tx, self.policy, self._planned))
        lease_s = services.settings.claim_lease_s

        def collect(tx: Tx) -> list[dict[str, Any]]:
            apply_changes(tx, changes, moment)
            due = due_now(tx, self.policy, moment)
            mine = set(claim(tx, "escalations", [e["id"] for e in due], services.holder, moment, lease_s))
            return [e for e in due if e["id"] in mine]

        due = services.store.write(collect)
        self._gauges_stale |= version != self._planned
        self._planned = version
        sent = []
        for escalation in due:
            try:
                self.notify(escalation["site_id"], escalation["payload"])
            except Exception:  # one failing notifier must not stop the others; the row stays due
                log.exception("notifying supervisors failed for escalation %s", escalation["id"])
                continue
            ESCALATIONS.labels(escalation["kind"]).inc()
            sent.append(escalation)
        if sent:
            services.store.write(lambda tx: mark_fired(tx, [e["id"] for e in sent], moment))
            for escalation in sent:  # open supervisor queues look again now
                services.feed.publish({"type": "work_order", "id": escalation["work_order_id"]})
        since_gauges = time.monotonic() - self._gauges_at
        floor = GAUGES_COST_FACTOR * self._gauges_cost
        if (since_gauges >= max(GAUGES_EVERY_S, floor) or (self._gauges_stale and since_gauges >= max(GAUGES_AFTER_CHANGE_S, floor))
                or now is not None):
            self._gauges_at, self._gauges_stale = time.monotonic(), False
            for step, count in services.store.read(lambda tx: overdue_counts(tx, services.sla_targets, moment)).items():
                OVERDUE_ORDERS.labels(step).set(count)
            self._gauges_cost = time.monotonic() - self._gauges_at
        return sent
