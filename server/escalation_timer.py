"""The escalation timer: a thread that, every FIELDOPS_ESCALATION_POLL_S, plans escalation rows,
hands due ones to `services.notify_supervisors(site_id, payload)` and refreshes the overdue gauges.

Delivery is at-least-once: a row is marked fired only after the notifier took it, so a crash in
between repeats a push rather than losing it. With several instances each due row is claimed first
(server/claims.py): one instance notifies, and another does when the claimer died before marking it fired.
Started by `start_escalation_timer` (a STARTUP_HOOK).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, Callable

from server.claims import claim
from server.clock import now as clock_now
from server.domain.complaints import ComplaintPolicy
from server.domain.escalations import apply_changes, due_now, mark_fired, overdue_counts, plan
from server.metrics import ESCALATIONS, OVERDUE_ORDERS

log = logging.getLogger(__name__)

NotifySupervisors = Callable[[str, dict[str, Any]], None]


def log_supervisors(site_id: str, payload: dict[str, Any]) -> None:
    """The notifier until Web Push is wired: the escalation goes to the log."""
    log.warning("escalation for supervisors of %s: %s", site_id, payload)


# The overdue gauges scan every open order: once a minute when nothing changes (time alone makes orders
# overdue), and at most every few seconds while orders change, so a scrape soon shows new work.
GAUGES_EVERY_S = 60.0
GAUGES_AFTER_CHANGE_S = 3.0


def complaint_policy(services: Any) -> ComplaintPolicy:
    settings = services.settings
    return ComplaintPolicy(services.sla_targets, settings.company_tz, settings.complaint_handle_important_s)


class EscalationTimer:
    def __init__(self, services: Any, poll_s: float) -> None:
        self.services = services
        self.poll_s = poll_s
        self.policy = complaint_policy(services)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="escalation-timer", daemon=True)
        self._planned: int | None = None  # change-log version the escalation rows reflect; None: plan everything
        self._gauges_at = 0.0
        self._gauges_stale = True

    def tick(self, now: datetime | None = None) -> list[dict[str, Any]]:
        """One round: plan, notify what is due, mark it fired, refresh gauges. Returns what was sent."""
        moment = now or clock_now()

        changes, version = self.services.store.read(lambda tx: plan(tx, self.policy, self._planned))

        holder = self.services.holder
        lease_s = self.services.settings.claim_lease_s

        def collect(tx: Any) -> list[dict[str, Any]]:
            apply_changes(tx, changes, moment)
            due = due_now(tx, self.policy, moment)
            mine = set(claim(tx, "escalations", [e["id"] for e in due], holder, moment, lease_s))
            return [e for e in due if e["id"] in mine]

        due = self.services.store.write(collect)
        self._gauges_stale |= version != self._planned
        self._planned = version
        notify: NotifySupervisors = self.services.notify_supervisors
        sent = []
        for escalation in due:
            try:
                notify(escalation["site_id"], escalation["payload"])
            except Exception:  # one failing notifier must not stop the others; the row stays due
                log.exception("notify_supervisors failed for escalation %s", escalation["id"])
                continue
            ESCALATIONS.labels(escalation["kind"]).inc()
            sent.append(escalation)
        if sent:
            self.services.store.write(lambda tx: mark_fired(tx, [e["id"] for e in sent], moment))
            for escalation in sent:  # open supervisor queues look again now
                self.services.feed.publish({"type": "work_order", "id": escalation["work_order_id"]})
        since_gauges = time.monotonic() - self._gauges_at
        if since_gauges >= GAUGES_EVERY_S or (self._gauges_stale and since_gauges >= GAUGES_AFTER_CHANGE_S) or now is not None:
            self._gauges_at, self._gauges_stale = time.monotonic(), False
            for step, count in self.services.store.read(lambda tx: overdue_counts(tx, self.services.sla_targets, moment)).items():
                OVERDUE_ORDERS.labels(step).set(count)
        return sent

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # a bad round is logged and retried next poll; the timer never dies
                log.exception("escalation round failed")
            self._stop.wait(self.poll_s)

    def start(self) -> "EscalationTimer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def start_escalation_timer(services: Any) -> EscalationTimer:
    """STARTUP_HOOK: the timer thread, handing due escalations to `services.notify_supervisors`."""
    timer = EscalationTimer(services, services.settings.escalation_poll_s).start()
    services.background.append(timer)
    return timer
