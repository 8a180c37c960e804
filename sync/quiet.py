"""No-change sync pulls answered from memory: a device whose cookie is the one this process last gave it, while nothing
in the database moved since, gets that cookie back with an empty patch and no read transaction of its own.

"Nothing moved" is a polled fingerprint of everything a pull's answer depends on besides the cookie's own scope: the
change-log version, the last rejection and the devices' queues (count and sum of `last_mutation_id`). It is read again
at most every POLL_S, and at once after any write this process commits (read-your-writes for the device that pushed
or mutated here); another instance's commit is seen within POLL_S, as the cross-instance event-stream poll sees it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar

from server.clock import now_text
from server.domain.actor import Actor
from server.metrics import SYNC_PULLS
from server.store import Store, Tx
from sync.pull import stream_pull
from sync.wire import PullRequest, PullResult

T = TypeVar("T")

# How stale the fingerprint may be when no write of this process says otherwise: one small read per POLL_S serves every
# device polling meanwhile; a commit on another instance reaches these answers within it.
POLL_S = 0.1
# Devices remembered at most (a few hundred bytes each); past it the least recently answered are forgotten and get
# one ordinary pull.
REMEMBER_MAX = 50_000


class Fingerprint(NamedTuple):
    version: int  # changes.version: every synced object written moves it (in commit order, migration 0023)
    rejection_seq: int  # sync_rejections.seq: a refused mutation of any device
    queues: tuple[int, int]  # (count, sum of last_mutation_id) of sync_clients: any device's queue moved


class _Answered(NamedTuple):
    cookie: str
    last_mutation_id: int
    role: str
    site_ids: frozenset[str]
    fingerprint: Fingerprint


def _fingerprint(tx: Tx) -> Fingerprint:
    version = tx.one("SELECT coalesce(max(version), 0) AS v FROM changes")["v"]
    rejection_seq = tx.one("SELECT coalesce(max(seq), 0) AS r FROM sync_rejections")["r"]
    queues = tx.one("SELECT count(*) AS n, coalesce(sum(last_mutation_id), 0) AS s FROM sync_clients")
    return Fingerprint(int(version), int(rejection_seq), (int(queues["n"]), int(queues["s"])))


class QuietPulls:
    """The pull door: `answer` from memory when it can (None otherwise, without I/O); `pull` reads and remembers."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._writes = 0  # commits by this process, counted after each returns
        self._writes_lock = threading.Lock()
        self._polled: tuple[Fingerprint, int, float] | None = None  # fingerprint, writes before it, monotonic time
        self._poll_lock = threading.Lock()
        self._answered: dict[tuple[str, str], _Answered] = {}  # (user, client) -> last answer, least recent first
        _count_writes(store, self._wrote)

    def _wrote(self) -> None:
        with self._writes_lock:  # an increment lost between two threads could hide a commit from the next poll
            self._writes += 1

    def _fresh(self) -> Fingerprint | None:
        polled = self._polled
        if polled is None or polled[1] != self._writes or time.monotonic() - polled[2] >= POLL_S:
            return None
        return polled[0]

    def fingerprint(self) -> Fingerprint:
        """The fingerprint as of at most POLL_S ago and after every commit of this process."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        with self._poll_lock:  # one poll for every device waiting on it
            fresh = self._fresh()
            if fresh is not None:
                return fresh
            writes, started = self._writes, time.monotonic()  # taken before the read: a later commit forces the next poll
            found = self.store.read(_fingerprint)
            self._polled = (found, writes, started)
            return found

    def answer(self, actor: Actor, request: PullRequest) -> PullResult | None:
        """The answer without any I/O, or None when it needs the database (unknown cookie, stale fingerprint, a change)."""
        fresh = self._fresh()
        return None if fresh is None else self._from_memory(actor, request, fresh)

    def pull(self, actor: Actor, request: PullRequest, targets: Mapping[str, int]) -> PullResult | Iterator[bytes]:
        """From memory if nothing moved since this device's last answer; otherwise the ordinary pull (a full one
        streamed, as sync/pull.py's stream_pull sends it), remembered when it is an answer with a cookie."""
        before = self.fingerprint()
        quiet = self._from_memory(actor, request, before)
        if quiet is not None:
            return quiet
        result = stream_pull(self.store, actor, request, targets)
        if not isinstance(result, PullResult):
            return result  # a full pull (cookie null): never answered from memory anyway
        # Tagged with the fingerprint from before the read: it holds later only if nothing moved since then,
        # which covers the read itself (an answer older than its tag is never given as current).
        key = (actor.id, request.client_id)
        self._answered.pop(key, None)
        self._answered[key] = _Answered(result.cookie, result.last_mutation_id, actor.role, actor.site_ids, before)
        self._forget_oldest()
        return result

    def _from_memory(self, actor: Actor, request: PullRequest, now: Fingerprint) -> PullResult | None:
        if request.cookie is None:
            return None
        known = self._answered.get((actor.id, request.client_id))
        if (known is None or known.cookie != request.cookie or known.fingerprint != now
                or known.role != actor.role or known.site_ids != actor.site_ids):
            return None
        SYNC_PULLS.labels("quiet").inc()
        return PullResult(cookie=known.cookie, last_mutation_id=known.last_mutation_id, patch=[], rejections=[], server_time=now_text())

    def _forget_oldest(self) -> None:
        while len(self._answered) > REMEMBER_MAX:
            try:
                del self._answered[next(iter(self._answered))]
            except (StopIteration, KeyError, RuntimeError):  # another thread changed it meanwhile
                break


def _count_writes(store: Any, wrote: Callable[[], None]) -> None:
    """Have `store.write` call `wrote` after each write returns (committed or not: counting a failed one only costs a
    poll). On the instance, so the store keeps its type and everything else it offers."""
    write = store.write

    def counted(work: Callable[[Tx], T]) -> T:
        try:
            return write(work)
        finally:
            wrote()

    store.write = counted
