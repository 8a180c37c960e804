"""Sync push: a device's queued mutations applied in order, each exactly once, through the one write path.

The client's `last_mutation_id` moves in the same transaction as the effects it covers, so a crash
either keeps a chunk (and its id) or neither; a retry skips what is already applied.
"""

from __future__ import annotations

import logging
from typing import Sequence

import msgspec

from server.clock import now, now_text
from server.domain.actor import Actor
from server.domain.registry import Sender, all_mutators, apply_or_keep, keep_refused
from server.errors import AppError, Conflict, Invalid
from server.metrics import SYNC_MUTATIONS, SYNC_PUSHES
from server.store import DatabaseError, Store, Tx
from sync.clock_offset import ClockOffset
from sync.refusal import record_rejection
from sync.wire import MAX_ARGS_DEPTH, PushDecoder, PushEnvelope, PushRequest, PushResult, Step, nesting_depth

log = logging.getLogger("fieldops.sync")

# Mutations per write transaction. Each commit is one fsync, so bigger is faster, but the single writer
# lock is held meanwhile: 500 keeps a chunk around 100 ms, short enough for online writes to interleave.
CHUNK_SIZE = 500


_decoder: PushDecoder | None = None


def push_decoder() -> PushDecoder:
    """The one decoder of push bodies, made at first use (every mutator is registered by then)."""
    global _decoder
    if _decoder is None:
        _decoder = PushDecoder(all_mutators())
    return _decoder


def apply_push(store: Store, actor: Actor, request: PushRequest | tuple[PushEnvelope, list[Step]]) -> PushResult:
    """Apply the pending part of a push (as decoded by `push_decoder`, or a PushRequest built in code);
    returns once every applied mutation is committed (durable)."""
    if isinstance(request, PushRequest):
        client_id, client_time, steps = request.client_id, request.client_time, [Step(queued=m) for m in request.mutations]
    else:
        client_id, client_time, steps = request[0].client_id, request[0].client_time, request[1]
    clock = ClockOffset(now(), client_time)
    try:
        known = store.read(lambda tx: last_mutation_id(tx, actor.id, client_id))
        _check_consecutive(steps, known)
        pending = [m for m in steps if m.id > known]
        SYNC_MUTATIONS.labels("skipped").inc(len(steps) - len(pending))
        last = known
        for start in range(0, len(pending), CHUNK_SIZE):
            chunk = pending[start:start + CHUNK_SIZE]
            last = store.write(lambda tx: _apply_chunk(tx, actor, client_id, chunk, clock))
    except Conflict:
        SYNC_PUSHES.labels("gap").inc()
        raise
    SYNC_PUSHES.labels("ok").inc()
    return PushResult(last)


def last_mutation_id(tx: Tx, user_id: str, client_id: str) -> int:
    row = tx.one("SELECT last_mutation_id FROM sync_clients WHERE user_id = ? AND client_id = ?", (user_id, client_id))
    return row["last_mutation_id"] if row else 0


def _check_consecutive(mutations: Sequence[Step], known: int) -> None:
    for before, after in zip(mutations, mutations[1:]):
        if after.id != before.id + 1:
            raise Conflict(f"mutation ids must increase by 1: {after.id} follows {before.id}", code="mutation_gap", last_mutation_id=known)


def _apply_chunk(tx: Tx, actor: Actor, client_id: str, chunk: list[Step], clock: ClockOffset) -> int:
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


def _apply_one(tx: Tx, actor: Actor, client_id: str, m: Step, clock: ClockOffset) -> bool:
    """Apply one mutation through the registry's `apply_or_keep` (its own savepoint); a refusal leaves none of its
    writes but what the refusal keeps, and a rejection row for the device. True if applied."""
    sender = Sender(client_id, m.id, m.client_ts)
    occurred = clock.receipt
    try:
        if m.typed is None and nesting_depth(m.queued.args) > MAX_ARGS_DEPTH:
            m = Step(queued=msgspec.structs.replace(m.queued, args=None))  # nothing of it is kept: there is no fact that deep
            raise Invalid(f"arguments nest deeper than {MAX_ARGS_DEPTH} levels", code="arguments_too_deep")
        occurred = clock.occurred_at(m.client_ts)
    except AppError as refusal:  # refused before the registry saw it: kept by the same rule
        keep_refused(tx, actor, m.name, m.queued.args, refusal, occurred, sender)
        record_rejection(tx, actor, client_id, m.queued, refusal.code, refusal.message, occurred)
        return False
    try:
        if m.typed is not None:  # decoded at the door into its mutator's Struct: nothing untyped, no depth to check
            outcome = apply_or_keep(tx, actor, m.name, None, occurred, sender, decoded=m.typed.args,  # type: ignore[attr-defined]
                                    as_sent=lambda: m.queued.args)
        else:
            outcome = apply_or_keep(tx, actor, m.name, m.queued.args, occurred, sender)
    except DatabaseError:
        raise  # the database itself failed (disk, lock): nothing of the chunk commits; the client retries
    except Exception:
        # A bug in a mutator must not jam the device's queue for ever (online it is a 500): refuse it, keep its
        # arguments, log it.
        log.exception("mutator %s crashed on mutation %s of client %s", m.name, m.id, client_id)
        outcome = AppError("the server failed on this mutation; it has been logged", code="internal_error")
        keep_refused(tx, actor, m.name, m.queued.args, outcome, occurred, sender)
    if isinstance(outcome, AppError):
        record_rejection(tx, actor, client_id, m.queued, outcome.code, outcome.message, occurred)
        return False
    return True
