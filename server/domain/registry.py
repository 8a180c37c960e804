"""The mutator registry: looks up, authorizes, decodes and runs the mutators server/domain/mutators.py lists.

`apply_or_keep` is the one write path, shared by `POST /api/v1/mutations/{name}` and sync push: it applies a
mutation, and on refusal keeps what may be kept and records the refusal, by one rule for both.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

import msgspec

from server.clock import now_text, to_rfc3339
from server.domain.access import salvage_target
from server.domain.actor import Actor
from server.domain.audit import origin
from server.domain.changes import touch
from server.domain.mutation import PATTERN_CODES, Mutator, Ref
from server.domain.mutators import MUTATORS
from server.errors import AppError, Conflict, Forbidden, Invalid, NotFound
from server.store import ConstraintViolation, DatabaseError, Tx

__all__ = ["Mutator", "Ref", "Sender", "all_mutators", "apply_mutation", "apply_or_keep", "check_role", "decode_args", "get_mutator", "keep_refused"]

log = logging.getLogger("fieldops.mutations")


def get_mutator(name: str) -> Mutator:
    found = MUTATORS.get(name)
    if found is None:
        raise NotFound(f"there is no mutation named {name!r}", code="unknown_mutation")
    return found


def decode_args(m: Mutator, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise Invalid("mutation arguments must be a JSON object", code="invalid_arguments")
    if m.upgrade is not None:
        raw = m.upgrade(dict(raw))
    raw = _whole_numbers(raw)
    try:
        return msgspec.convert(raw, m.args_type)
    except msgspec.ValidationError as exc:
        # A field failing a pattern that names its own code (an id, a target key, a day) answers that code.
        code = next((c for p, c in PATTERN_CODES.items() if repr(p)[1:-1] in str(exc)), "invalid_arguments")
        # The message may quote a field name as sent; a NUL in it would not survive a PostgreSQL text column (the
        # conflict and the rejection keep the message), so it is written as its escape.
        raise Invalid(f"{m.name}: {exc}".replace("\x00", "\\u0000"), code=code) from None


def _whole_numbers(value: Any) -> Any:
    """JSON does not tell 5 from 5.0 (JSON Schema's `integer` takes both): whole floats become ints, as a client meant."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def check_role(m: Mutator, actor: Actor) -> None:
    if actor.role not in m.roles:
        raise Forbidden(f"a {actor.role} may not {m.name.replace('_', ' ')}", code="role_not_allowed")


def apply_mutation(tx: Tx, actor: Actor, name: str, raw_args: Any, occurred_at: datetime) -> Ref:
    """Look up, authorize, decode and run one mutation inside the caller's transaction."""
    m = get_mutator(name)
    check_role(m, actor)
    return run_mutator(tx, actor, m, decode_args(m, raw_args), occurred_at)


def run_mutator(tx: Tx, actor: Actor, m: Mutator, args: Any, occurred_at: datetime) -> Ref:
    """Run a mutator on arguments already decoded into its `args_type` (its role checked by the caller)."""
    try:
        return m.fn(tx, actor, args, occurred_at)
    except ConstraintViolation as exc:
        # The schema caught what a rule did not (a reference to a site that does not exist, a duplicate):
        # the arguments are at fault, so it is a refusal, never a 500 or a jammed sync queue.
        log.warning("mutation %s refused by a constraint: %s", m.name, exc)
        raise Conflict(f"{m.name} refers to something that does not exist or already exists", code="constraint_violated") from None


class Sender(msgspec.Struct, frozen=True):
    """The device queue an offline mutation came from: stamped on its audit events as `origin`."""

    client_id: str
    mutation_id: int
    client_ts: str | None


def apply_or_keep(tx: Tx, actor: Actor, name: str, raw_args: Any, occurred_at: datetime, sent_by: Sender | None = None, *,
                  decoded: Any = None, as_sent: Callable[[], Any] | None = None) -> Ref | AppError:
    """Apply one mutation in a savepoint of the caller's transaction; a refusal undoes it and `keep_refused` runs.

    Returns what it changed, or the refusal, which the caller answers (online: the HTTP error, after the
    transaction with what was kept commits; offline: the device's rejection row). `sent_by` is None online.
    A crash (not an AppError) undoes the savepoint and propagates: online it is a 500, sync refuses it itself.
    `decoded`: the arguments already decoded into the mutator's Struct (sync decodes a push once, at the door); then
    `as_sent` gives them as sent, read only when a refusal keeps them.
    """
    came_from = origin.set(msgspec.structs.asdict(sent_by) if sent_by else None)
    tx.execute("SAVEPOINT mutation")
    try:
        if decoded is not None:
            m = get_mutator(name)
            check_role(m, actor)
            ref = run_mutator(tx, actor, m, decoded, occurred_at)
        else:
            ref = apply_mutation(tx, actor, name, raw_args, occurred_at)
    except AppError as refusal:
        tx.execute("ROLLBACK TO mutation")
        tx.execute("RELEASE mutation")
        keep_refused(tx, actor, name, as_sent() if as_sent is not None else raw_args, refusal, occurred_at, sent_by)
        return refusal
    except DatabaseError:
        raise  # the database itself failed: nothing of the transaction commits
    except Exception:
        tx.execute("ROLLBACK TO mutation")
        tx.execute("RELEASE mutation")
        raise
    else:
        tx.execute("RELEASE mutation")
        return ref
    finally:
        origin.reset(came_from)


def keep_refused(tx: Tx, actor: Actor, name: str, raw_args: Any, refusal: AppError, occurred_at: datetime, sent_by: Sender | None = None) -> None:
    """What a refused mutation leaves, the same rule online and offline (sync/README.md "Refused mutations keep their facts"):

    1. the facts its `salvage` keeps (notes, photos, signature, a `<name>_refused` event), whatever the refusal,
       once the name, the role and the arguments were accepted; a failing salvage keeps nothing and is logged;
    2. a conflict for the office: for every refusal of a mutation sent offline (nobody heard it), and online only
       for a refusal that says the office must see it (`AppError.tells_office`: the sender heard the rest).
    """
    came_from = origin.set(msgspec.structs.asdict(sent_by) if sent_by else None)
    try:
        _salvage(tx, actor, name, raw_args, occurred_at)
        if sent_by is not None or refusal.tells_office:
            _record_conflict(tx, actor, name, raw_args, refusal, occurred_at, sent_by)
    finally:
        origin.reset(came_from)


def _salvage(tx: Tx, actor: Actor, name: str, raw_args: Any, occurred_at: datetime) -> None:
    try:
        m = get_mutator(name)
        check_role(m, actor)
        if m.salvage is None:
            return
        args = decode_args(m, raw_args)
    except AppError:
        return  # unknown name, wrong role or unreadable arguments: nothing to keep but the refusal
    tx.execute("SAVEPOINT salvage")
    try:
        m.salvage(tx, actor, args, occurred_at)
    except ConstraintViolation as exc:  # the facts clash with what is stored (a taken id): kept no more than the rest
        log.warning("nothing salvaged from %s: %s", name, exc)
        tx.execute("ROLLBACK TO salvage")
    except DatabaseError:
        raise
    except AppError as exc:
        log.info("nothing salvaged from %s: %s", name, exc.message)
        tx.execute("ROLLBACK TO salvage")
    except Exception:  # the refusal is what the sender must hear about; a failed salvage is logged
        log.exception("salvage of a refused %s failed", name)
        tx.execute("ROLLBACK TO salvage")
    tx.execute("RELEASE salvage")


def _record_conflict(tx: Tx, actor: Actor, name: str, raw_args: Any, refusal: AppError, occurred_at: datetime, sent_by: Sender | None) -> None:
    order = _related_order(tx, actor, raw_args)
    tx.insert("conflicts", {
        "work_order_id": order["id"] if order else None, "site_id": order["site_id"] if order else None,
        # The message is the English fallback; apps word it from code, mutation, actor and the two times.
        "code": refusal.code, "message": f"{name} from {actor.name}'s device was refused: {refusal.message}",
        "mutation": name, "actor_id": actor.id, "client_id": sent_by.client_id if sent_by else None,
        "mutation_id": sent_by.mutation_id if sent_by else None, "created_at": now_text(), "occurred_at": to_rfc3339(occurred_at),
    })
    if order:
        touch(tx, "work_order", order["id"])  # the order's conflicts list changed: dispatchers' pulls see it


def _related_order(tx: Tx, actor: Actor, args: Any) -> dict[str, Any] | None:
    """The order a refused mutation was about, if the actor has any business with it (else the conflict stays unlinked)."""
    if not isinstance(args, dict):
        return None
    work_order_id = args.get("work_order_id", args.get("wo"))
    if not isinstance(work_order_id, str):
        return None
    return salvage_target(tx, actor, work_order_id)


def all_mutators() -> dict[str, Mutator]:
    return dict(MUTATORS)
