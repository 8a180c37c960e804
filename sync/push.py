"""Sync push: a device's queued mutations applied in order, each exactly once, through the one write path.

The client's `last_mutation_id` moves in the same transaction as the effects it covers, so a crash
either keeps a chunk (and its id) or neither; a retry skips what is already applied.
"""

from __future__ import annotations

import logging

import msgspec
from typing import Sequence

from server.clock import now, now_text
from server.domain.actor import Actor
from server.domain.registry import Sender, apply_or_keep, keep_refused
from server.errors import AppError, Conflict, Invalid
from server.metrics import SYNC_MUTATIONS, SYNC_PUSHES
from server.store import DatabaseError, Store, Tx
from sync.clock_offset import ClockOffset
from sync.refusal import record_rejection
from sync.wire import MAX_ARGS_DEPTH, PushRequest, PushResult, QueuedMutation, nesting_depth

log = logging.getLogger("fieldops.sync")

# Mutations per write transaction. Each commit is one fsync, so bigger is faster, but the single writer
# lock is held meanwhile: 500 keeps a chunk around 100 ms, short enough for online writes to interleave.
CHUNK_SIZE = 500


def apply_push(store: Store, actor: Actor, request: PushRequest) -> PushResult:
    """Apply the pending part of a push; returns once every applied mutation is committed (durable)."""
    clock = ClockOffset(now(), request.client_time)
    try:
        known = store.read(lambda tx: last_mutation_id(tx, actor.id, request.client_id))
        _check_consecutive(request.mutations, known)
        pending = [m for m in request.mutations if m.id > known]
        SYNC_MUTATIONS.labels("skipped").inc(len(request.mutations) - len(pending))
        last = known
        for start in range(0, len(pending), CHUNK_SIZE):
            chunk = pending[start:start + CHUNK_SIZE]
            last = store.write(lambda tx: _apply_chunk(tx, actor, request.client_id, chunk, clock))
    except Conflict:
        SYNC_PUSHES.labels("gap").inc()
        raise
    SYNC_PUSHES.labels("ok").inc()
    return PushResult(last)


def last_mutation_id(tx: Tx, user_id: str, client_id: str) -> int:
    row = tx.one("SELECT last_mutation_id FROM sync_clients WHERE user_id = ? AND client_id = ?", (user_id, client_id))
    return row["last_mutation_id"] if row else 0


def _check_consecutive(mutations: Sequence[QueuedMutation], known: int) -> None:
    for before, after in zip(mutations, mutations[1:]):
        if after.id != before.id + 1:
            raise Conflict(f"mutation ids must increase by 1: {after.id} follows {before.id}", code="mutation_gap", last_mutation_id=known)


def _apply_chunk(tx: Tx, actor: Actor, client_id: str, chunk: list[QueuedMutation], clock: ClockOffset) -> int:
    # Re-read inside the write lock: a concurrent retry of the same queue may have applied part of it.
    row = tx.one("SELECT last_mutation_id FROM sync_clients WHERE user_id = ? AND client_id = ?", (actor.id, client_id))
    if row is None:
        tx.insert("sync_clients", {"user_id": actor.id, "client_id": client_id, "last_mutation_id": 0, "created_at": now_text()})
    last = row["last_mutation_id"] if row else 0
    todo = [m for m in chunk if m.id > last]
    if not todo:
        return last
    if todo[0].id != last + 1:
        raise Conflict(f"mutation {todo[0].id} cannot follow {last}: send the queue from {last + 1} (last_mutation_id {last})",
                       code="mutation_gap", last_mutation_id=last)
    applied = rejected = 0
    for m in todo:
        if _apply_one(tx, actor, client_id, m, clock):
            applied += 1
        else:
            rejected += 1
    tx.execute("UPDATE sync_clients SET last_mutation_id = ?, last_push_at = ? WHERE user_id = ? AND client_id = ?",
               (todo[-1].id, now_text(), actor.id, client_id))
    SYNC_MUTATIONS.labels("applied").inc(applied)
    SYNC_MUTATIONS.labels("rejected").inc(rejected)
    return todo[-1].id


def _apply_one(tx: Tx, actor: Actor, client_id: str, m: QueuedMutation, clock: ClockOffset) -> bool:
    """Apply one mutation through the registry's `apply_or_keep` (its own savepoint); a refusal leaves none of its
    writes but what the refusal keeps, and a rejection row for the device. True if applied."""
    sender = Sender(client_id, m.id, m.client_ts)
    occurred = clock.receipt
    try:
        if nesting_depth(m.args) > MAX_ARGS_DEPTH:
            m = msgspec.structs.replace(m, args=None)  # nothing of it is kept: there is no fact that deep
            raise Invalid(f"arguments nest deeper than {MAX_ARGS_DEPTH} levels", code="arguments_too_deep")
        occurred = clock.occurred_at(m.client_ts)
    except AppError as refusal:  # refused before the registry saw it: kept by the same rule
        keep_refused(tx, actor, m.name, m.args, refusal, occurred, sender)
        record_rejection(tx, actor, client_id, m, refusal.code, refusal.message, occurred)
        return False
    try:
        outcome = apply_or_keep(tx, actor, m.name, m.args, occurred, sender)
    except DatabaseError:
        raise  # the database itself failed (disk, lock): nothing of the chunk commits; the client retries
    except Exception:
        # A bug in a mutator must not jam the device's queue for ever (online it is a 500): refuse it, keep its
        # arguments, log it.
        log.exception("mutator %s crashed on mutation %s of client %s", m.name, m.id, client_id)
        outcome = AppError("the server failed on this mutation; it has been logged", code="internal_error")
        keep_refused(tx, actor, m.name, m.args, outcome, occurred, sender)
    if isinstance(outcome, AppError):
        record_rejection(tx, actor, client_id, m, outcome.code, outcome.message, occurred)
        return False
    return True
