"""The mutator registry: looks up, authorizes, decodes and runs the mutators server/domain/mutators.py lists.

`apply_mutation` is the one write path, shared by `POST /api/v1/mutations/{name}` and sync push.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import msgspec

from server.domain.actor import Actor
from server.domain.mutation import PATTERN_CODES, Mutator, Ref
from server.domain.mutators import MUTATORS
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.store import ConstraintViolation, Tx

__all__ = ["Mutator", "Ref", "all_mutators", "apply_mutation", "check_role", "decode_args", "get_mutator"]

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
        raise Invalid(f"{m.name}: {exc}", code=code) from None


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


def all_mutators() -> dict[str, Mutator]:
    return dict(MUTATORS)
