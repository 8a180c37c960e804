"""Sends the pushes alarms owe (the `push_outbox`), after commit, on the push dispatcher's threads.

Recipients are resolved at send time: the guards on duty at the site, else its supervisors; every
attempt is recorded on the alarm, and a subscription the push service calls gone is deleted.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import msgspec

from server.clock import now_text
from server.metrics import PUSHES
from server.push import (PushDispatcher, PushJob, PushKeys, PushMessage, PushSender, PushSubscription, WorkOrderEscalationPush, decode_push_message,
                         incident_topic, load_or_create_vapid)
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


# Owed pushes taken together at most: one read (and one write for the unreachable ones) per this many.
DRAIN_BATCH = 256


class AlarmPusher:
    """Owns the push dispatcher; `send(outbox_ids)` after a commit, `resend_pending()` at start."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.store = store
        self.vapid = load_or_create_vapid(settings.data_dir)
        self.sender = PushSender(self.vapid, contact=settings.push_contact, insecure_hosts=settings.push_insecure_hosts, ttl_s=settings.push_ttl_s)
        self.dispatcher = PushDispatcher(self.sender, self._record).start()
        self._remaining: dict[int, int] = {}
        self._lock = threading.Lock()
        # Outbox rows handed to the thread and not yet done: the bridge, the timers and send_owed may name
        # the same row, and a row must be pushed once.
        self._queued: set[int] = set()
        self._owed: queue.Queue[int | None] = queue.Queue()
        self._thread = threading.Thread(target=self._drain, name="alarm-push", daemon=True)
        self._thread.start()

    def send(self, outbox_ids: list[int]) -> None:
        """Queue owed pushes; returns at once (called on the MQTT thread right after commit)."""
        with self._lock:
            fresh = [i for i in outbox_ids if i not in self._queued]
            self._queued.update(fresh)
        for outbox_id in fresh:
            self._owed.put(outbox_id)

    def send_owed(self) -> None:
        """Pushes a mutation owed (end_shift leaving alarms with nobody on duty): every pending row not yet handed over."""
        self.send(self.store.read(lambda tx: [r["id"] for r in tx.query("SELECT id FROM push_outbox WHERE done_at IS NULL ORDER BY id")]))

    def _settled(self, outbox_id: int) -> None:
        with self._lock:
            self._queued.discard(outbox_id)

    def _drain(self) -> None:
        while (first := self._owed.get()) is not None:
            ids, stopping = [first], False
            while len(ids) < DRAIN_BATCH:  # whatever else is owed now goes in the same read and write
                try:
                    more = self._owed.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                ids.append(more)
            try:
                self._send_many(ids)
            except Exception:  # the outbox rows stay pending and are sent again at the next start
                log.exception("pushes %s could not be handed to the dispatcher", ids)
            if stopping:
                break

    def notify_supervisors(self, site_id: str, payload: dict[str, Any]) -> None:
        """A work-order escalation (complaint, overdue work): owed to the site's supervisors, durably, then sent."""
        push = msgspec.convert(payload, WorkOrderEscalationPush)

        def owe(tx: Tx) -> int:
            return tx.insert("push_outbox", {"alarm_id": None, "audience": "supervisors", "site_id": site_id,
                                             "payload": msgspec.json.encode(push).decode(), "topic": incident_topic(push.work_order_id),
                                             "created_at": now_text()}, returning="id")

        self.send([self.store.write(owe)])

    def resend_pending(self) -> None:
        pending = self.store.read(lambda tx: [r["id"] for r in tx.query("SELECT id FROM push_outbox WHERE done_at IS NULL ORDER BY id")])
        if pending:
            log.info("sending %d pushes owed from before the restart", len(pending))
        self.send(pending)

    def _send_many(self, outbox_ids: list[int]) -> None:
        """Owed pushes to the dispatcher: one read for all their rows and recipients, one write for those nobody can get.

        One write per unreachable push was one fsync each: a storm's 500 new alarms at a site with nobody
        subscribed held a fire elsewhere behind seconds of them."""
        def load(tx: Tx) -> list[tuple[int, dict[str, Any] | None, Recipients, str | None]]:
            out = []
            for outbox_id in outbox_ids:
                row = tx.one("SELECT * FROM push_outbox WHERE id = ? AND done_at IS NULL", (outbox_id,))
                to = recipients(tx, row["audience"], row["site_id"]) if row else Recipients({}, ())
                site = tx.one("SELECT name FROM sites WHERE id = ?", (row["site_id"],)) if row and row["site_id"] else None
                out.append((outbox_id, row, to, site["name"] if site else None))
            return out

        nobody = []
        for outbox_id, row, to, site_name in self.store.read(load):
            if row is None:
                self._settled(outbox_id)
            elif not to.subscriptions:
                log.warning("push %s (alarm %s): nobody to push to (%s of %s has no subscription)", outbox_id, row["alarm_id"], row["audience"], row["site_id"])
                nobody.append((outbox_id, row["alarm_id"]))
            else:
                with self._lock:
                    self._remaining[outbox_id] = len(to.subscriptions)
                self.dispatcher.enqueue(PushJob(subscriptions=to.subscriptions, message=_named(decode_push_message(row["payload"]), site_name),
                                                topic=row["topic"], urgency="high",
                                                context={"outbox_id": outbox_id, "alarm_id": row["alarm_id"], "users": to.by_endpoint}))
        if nobody:
            self.store.write(lambda tx: [self._finish(tx, outbox_id, alarm_id, None, "", None, False, "no_subscription: nobody to push to", True)
                                         for outbox_id, alarm_id in nobody])
            for outbox_id, _ in nobody:
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
            self._finish(tx, ctx["outbox_id"], ctx["alarm_id"], ctx["users"].get(subscription.endpoint),
                         subscription.endpoint, result.status, result.ok, result.error, done)

        self.store.write(write)
        if done:
            self._settled(ctx["outbox_id"])

    @staticmethod
    def _finish(tx: Tx, outbox_id: int, alarm_id: str | None, user_id: str | None, endpoint: str, status: int | None, ok: bool, error: str | None, done: bool) -> None:
        tx.insert("push_deliveries", {"outbox_id": outbox_id, "alarm_id": alarm_id, "user_id": user_id, "endpoint": endpoint,
                                      "status": status, "ok": int(ok), "error": error, "attempted_at": now_text()})
        if done:
            tx.execute("UPDATE push_outbox SET done_at = ? WHERE id = ?", (now_text(), outbox_id))

    def stop(self) -> None:
        self._owed.put(None)
        self._thread.join(5)
        self.dispatcher.stop()
        self.sender.close()
