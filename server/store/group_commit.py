"""Group commit, shared by both stores: writes that queue up while one commits share the next transaction,
each in its own savepoint, so many callers pay for one durable commit (one fsync on SQLite, one flush on PostgreSQL).

The store says how to begin and how to abandon a transaction; the queue, the savepoints and who learns what are here.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any, Callable


class Pending:
    """One caller's write waiting for (or done by) the group commit; runs in the caller's context."""

    __slots__ = ("work", "context", "done", "result", "error")

    def __init__(self, work: Callable[..., Any]) -> None:
        self.work = work
        self.context = contextvars.copy_context()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """The single writer's queue: whoever holds the writer commits every write queued so far (at most `max_group`)."""

    def __init__(self, max_group: int) -> None:
        self.max_group = max_group
        self.lock = threading.Lock()  # held while a group runs: the writer connection is the holder's
        self._pending: list[Pending] = []
        self._pending_lock = threading.Lock()

    def write(self, work: Callable[..., Any], commit: Callable[[list[Pending]], None]) -> Pending:
        """Queue `work`; returns once a group containing it has committed or failed (see the item's error)."""
        item = Pending(work)
        with self._pending_lock:
            self._pending.append(item)
        with self.lock:
            # Ours may already be done: the previous holder took it into its group.
            while not item.done:
                with self._pending_lock:
                    batch, self._pending = self._pending[:self.max_group], self._pending[self.max_group:]
                commit(batch)
        return item


def commit_batch(batch: list[Pending], tx: Any, run: Callable[[str], Any], begin: str,
                 abort: Callable[[], None], check: Callable[[], None] | None = None) -> None:
    """One transaction for the batch: `begin`, each item's work in a savepoint (a failing one rolls back alone), COMMIT.

    A failure outside the items' own work (BEGIN, COMMIT, `check`) fails every item not failed already; `abort` then
    rolls back what it can. A lone item needs no savepoint: its failure is the transaction's.
    """
    alone = len(batch) == 1
    try:
        if check is not None:
            check()
        run(begin)
        for item in batch:
            if not alone:
                run("SAVEPOINT write")
            try:
                item.result = item.context.run(item.work, tx)
            except BaseException as exc:
                item.error = exc
                if alone:
                    raise
                run("ROLLBACK TO SAVEPOINT write")
            if not alone:
                run("RELEASE SAVEPOINT write")
        run("COMMIT")
        if check is not None:
            check()  # e.g. the file deleted meanwhile: committed where nobody will read it, so not acknowledged
    except BaseException as exc:
        abort()
        for item in batch:
            if item.error is None:
                item.error = exc
                item.result = None
    finally:
        for item in batch:
            item.done = True
