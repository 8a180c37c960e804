"""Sends every push owed in the outbox (server/push/outbox.py) after commit, on the push dispatcher's threads: alarms,
their escalations, and work-order escalations (complaints, overdue work), which it also owes for the escalation timer.

Recipients are resolved at send time: the guards on duty at the site, else its supervisors; every
attempt is recorded on the alarm, and a subscription the push service calls gone is deleted. Each row is
claimed before it is sent, so of several instances one sends it, and another takes it
over when the claimer dies; a takeover skips the subscriptions already delivered to.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import msgspec

from server.clock import now
from server.metrics import PUSHES
from server.push.dispatcher import PushDispatcher, PushJob
from server.push.outbox import (claim_owed, claimable_owed, delivered_endpoints, mark_done, owe_push, pending_row, reclaim_after_restart,
                                record_attempt, renew_owed)
from server.push.payload import PushMessage, WorkOrderEscalationPush, decode_push_message
from server.push.sender import PushSender
from server.push.subscription import PushKeys, PushSubscription
from server.push.vapid import shared_vapid
from server.settings import Settings
from server.store import Store, Tx

log = logging.getLogger(__name__)


class Recipients(msgspec.Struct, frozen=True):
    by_endpoint: dict[str, str]  # endpoint -> user id
    subscriptions: tuple[PushSubscription, ...]


def recipients(tx: Tx, audience: str, site_id: str | None) -> Recipients:
    if audience == "duty" and site_id:
        users = [r["user_id"] for r in tx.query("SELECT DISTINCT user_id FROM shifts WHERE site_id = ? AND ended_at IS NULL", (site_id,))]
        if not users:  # nobody on duty: the site's supervisors get the alarm directly
            return recipients(tx, "supervisors", site_id)
    elif site_id:
        users = [r["user_id"] for r in tx.query(
            "SELECT u.id AS user_id FROM users u JOIN user_sites s ON s.user_id = u.id WHERE s.site_id = ? AND u.role = 'supervisor' AND u.active = 1", (site_id,))]
    else:
        users = [r["user_id"] for r in tx.query("SELECT id AS user_id FROM users WHERE role = 'supervisor' AND active = 1")]
    if not users:
        return Recipients({}, ())
    marks = ",".join("?" for _ in users)
    rows = tx.query(f"SELECT user_id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id IN ({marks}) ORDER BY id", users)
    return Recipients({r["endpoint"]: r["user_id"] for r in rows},
                      tuple(PushSubscription(endpoint=r["endpoint"], keys=PushKeys(p256dh=r["p256dh"], auth=r["auth"])) for r in rows))


def _named(message: PushMessage, site_name: str | None) -> PushMessage:
    """The site's name for the notification to show: messages are owed with the site id only."""
    if message.site_name is not None or not message.site_id or site_name is None:
        return message
    return msgspec.structs.replace(message, site_name=site_name)


# Owed pushes taken together at most: one write claims them, one read loads their rows and recipients, and one
# write finishes those nobody can get (a storm's pushes are claimed and sent in few commits).
DRAIN_BATCH = 256


class OwedPushSender:
    """Owns the push dispatcher; `send(outbox_ids)` after a commit, `send_owed()` every timer round, `resend_pending()` at start."""

    def __init__(self, settings: Settings, store: Store, holder: str) -> None:
        self.store = store
        self.holder, self.lease_s = holder, settings.claim_lease_s
        self.vapid = shared_vapid(store, settings.data_dir)
        self.sender = PushSender(self.vapid, contact=settings.push_contact, insecure_hosts=settings.push_insecure_hosts, ttl_s=settings.push_ttl_s)
        self.dispatcher = PushDispatcher(self.sender, self._record).start()
        self._remaining: dict[int, int] = {}
        self._lock = threading.Lock()
        # Outbox rows handed to the thread and not yet done: the bridge, the timers and send_owed may name
        # the same row, and a row must be pushed once.
        self._queued: set[int] = set()
        self._held: set[int] = set()  # of those, the rows this instance's claim is on (renewed until done)
        self._renewed_at = 0.0
        self._owed: queue.Queue[int | None] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="alarm-push", daemon=True)
        self._thread.start()

    def claim_in(self, tx: Tx, outbox_ids: list[int]) -> list[int]:
        """Inside the transaction that owes them: claim rows for this instance, to hand to `send` right after that
        commit; the push then needs no claim commit of its own (one fsync less between a sensor and a phone).
        Until `send` is called the claim is only a lease: should this instance die first, another sends them."""
        return claim_owed(tx, outbox_ids, self.holder, now(), self.lease_s)

    def send(self, outbox_ids: list[int], claimed: list[int] | tuple[int, ...] = ()) -> None:
        """Queue owed pushes; returns at once (called on the MQTT thread right after commit). `claimed`: those of
        them `claim_in` claimed in that commit."""
        with self._lock:
            self._held.update(claimed)
            fresh = [i for i in outbox_ids if i not in self._queued]
            self._queued.update(fresh)
        for outbox_id in fresh:
            self._owed.put(outbox_id)

    def send_owed(self) -> None:
        """Called every timer tick: renew the claims still being worked on, and take every pending row nobody holds —
        pushes a mutation owed (end_shift leaving alarms with nobody on duty) and those of an instance that died."""
        with self._lock:
            held = sorted(self._held)
        at = now()
        if held and at.timestamp() - self._renewed_at >= self.lease_s / 3:
            self._renewed_at = at.timestamp()
            still = self.store.write(lambda tx: renew_owed(tx, held, self.holder, at, self.lease_s))
            if still < len(held):  # a pause longer than the lease: another instance may send some of these too
                log.warning("%d push claims ran out before they were renewed", len(held) - still)
        self.send(self.store.read(lambda tx: claimable_owed(tx, at)))

    def _settled(self, outbox_id: int) -> None:
        with self._lock:
            self._queued.discard(outbox_id)
            self._held.discard(outbox_id)

    def _drain(self) -> None:
        while (first := self._owed.get()) is not None:
            batch = [first]
            while len(batch) < DRAIN_BATCH:  # whatever else is owed now goes in the same claim, read and write
                try:
                    more = self._owed.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._owed.put(None)
                    break
                batch.append(more)
            try:
                mine = self._claim(batch)
            except Exception:  # not claimed: the rows stay pending and are offered again at the next tick
                log.exception("claiming %d pushes failed", len(batch))
                mine = set()
            for outbox_id in batch:
                if outbox_id not in mine:  # another instance holds it (or it is done)
                    self._settled(outbox_id)
            self._send_many([i for i in batch if i in mine])

    def _claim(self, batch: list[int]) -> set[int]:
        with self._lock:
            fresh = [i for i in batch if i not in self._held]
        got = self.store.write(lambda tx: claim_owed(tx, fresh, self.holder, now(), self.lease_s)) if fresh else []
        with self._lock:
            self._held.update(got)
            return {i for i in batch if i in self._held}

    def owe_work_order_escalation(self, site_id: str, payload: dict[str, Any]) -> None:
        """A work-order escalation (complaint, overdue work): owed to the site's supervisors, durably, then sent."""
        push = msgspec.convert(payload, WorkOrderEscalationPush)
        self.send([self.store.write(lambda tx: owe_push(tx, None, "supervisors", site_id, push, push.work_order_id, now()))])

    def resend_pending(self) -> None:
        """At start: pending rows nobody holds, and those this instance held before it was restarted (at once, not
        after their lease), are claimed and sent."""
        at = now()
        mine = self.store.write(lambda tx: reclaim_after_restart(tx, self.holder, at, self.lease_s))
        if mine:
            log.info("sending %d pushes owed from before the restart", len(mine))
        with self._lock:
            self._held.update(mine)
        self.send(mine)

    def _send_many(self, outbox_ids: list[int]) -> None:
        """Claimed pushes to the dispatcher: one read for all their rows, recipients and earlier deliveries, one write
        for those nobody can get (or that a dead instance already delivered everywhere).

        One write per unreachable push was one fsync each: a storm's 500 new alarms at a site with nobody
        subscribed held a fire elsewhere behind seconds of them. A row that fails here keeps its claim until the
        lease runs out; then it is sent again, here or by another instance."""
        if not outbox_ids:
            return

        def load(tx: Tx) -> list[tuple[int, dict[str, Any] | None, Recipients, set[str], str | None]]:
            # taken over from an instance that died part way: the phones it reached are not pushed twice
            delivered = delivered_endpoints(tx, outbox_ids)
            names: dict[str, str | None] = {}
            out = []
            for outbox_id in outbox_ids:
                row = pending_row(tx, outbox_id)
                to = recipients(tx, row["audience"], row["site_id"]) if row else Recipients({}, ())
                site_id = row["site_id"] if row else None
                if site_id and site_id not in names:
                    site = tx.one("SELECT name FROM sites WHERE id = ?", (site_id,))
                    names[site_id] = site["name"] if site else None
                out.append((outbox_id, row, to, delivered.get(outbox_id, set()), names.get(site_id) if site_id else None))
            return out

        try:
            loaded = self.store.read(load)
        except Exception:
            log.exception("pushes %s could not be handed to the dispatcher", outbox_ids)
            for outbox_id in outbox_ids:
                self._settled(outbox_id)
            return
        reached: list[int] = []  # every subscription delivered to already, by the instance that died
        nobody: list[tuple[int, str | None]] = []
        for outbox_id, row, to, delivered, site_name in loaded:
            if row is None:
                self._settled(outbox_id)
                continue
            if delivered:
                to = Recipients(to.by_endpoint, tuple(s for s in to.subscriptions if s.endpoint not in delivered))
                if not to.subscriptions:
                    reached.append(outbox_id)
                    continue
            if not to.subscriptions:
                log.warning("push %s (alarm %s): nobody to push to (%s of %s has no subscription)", outbox_id, row["alarm_id"], row["audience"], row["site_id"])
                nobody.append((outbox_id, row["alarm_id"]))
                continue
            try:
                job = PushJob(subscriptions=to.subscriptions, message=_named(decode_push_message(row["payload"]), site_name),
                              topic=row["topic"], urgency="high", context={"outbox_id": outbox_id, "alarm_id": row["alarm_id"], "users": to.by_endpoint})
                with self._lock:
                    self._remaining[outbox_id] = len(to.subscriptions)
                self.dispatcher.enqueue(job)
            except Exception:  # the claim runs out and the row is sent again, here or by another instance
                log.exception("push %s could not be handed to the dispatcher", outbox_id)
                with self._lock:
                    self._remaining.pop(outbox_id, None)
                self._settled(outbox_id)
        if not (reached or nobody):
            return

        def finish(tx: Tx) -> None:
            for outbox_id in reached:
                mark_done(tx, outbox_id)
            for outbox_id, alarm_id in nobody:
                record_attempt(tx, outbox_id, alarm_id, None, "", None, False, "no_subscription: nobody to push to", True)

        try:
            self.store.write(finish)
        except Exception:
            log.exception("finishing pushes %s failed", [*reached, *(i for i, _ in nobody)])
        for outbox_id in [*reached, *(i for i, _ in nobody)]:
            self._settled(outbox_id)

    def _record(self, job: PushJob, subscription: PushSubscription, result: Any) -> None:
        ctx = job.context
        PUSHES.labels("ok" if result.ok else "gone" if result.gone else "failed" if result.final else "retry").inc()
        done = False
        if result.final:
            with self._lock:
                self._remaining[ctx["outbox_id"]] -= 1
                done = self._remaining[ctx["outbox_id"]] == 0
                if done:
                    del self._remaining[ctx["outbox_id"]]

        def write(tx: Tx) -> None:
            if result.gone:
                tx.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (subscription.endpoint,))
            record_attempt(tx, ctx["outbox_id"], ctx["alarm_id"], ctx["users"].get(subscription.endpoint),
                           subscription.endpoint, result.status, result.ok, result.error, done)

        self.store.write(write)
        if done:
            self._settled(ctx["outbox_id"])

    def stop(self) -> None:
        self._owed.put(None)
        self._thread.join(5)
        self.dispatcher.stop()
        self.sender.close()
