"""What a mutator is: a named write `(tx, actor, args, occurred_at) -> Ref` with its argument type and roles.

`@mutator(...)` only describes a function; server/domain/mutators.py lists every one, and the registry runs them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import msgspec

from server.domain.actor import Actor
from server.store import Tx


class Ref(msgspec.Struct, frozen=True):
    """What a mutator changed: the HTTP layer renders it for the caller after the write."""

    type: str
    id: str


MutatorFn = Callable[[Tx, Actor, Any, datetime], Ref]
Salvage = Callable[[Tx, Actor, Any, datetime], None]


class Mutator(msgspec.Struct, frozen=True):
    name: str
    args_type: type
    fn: MutatorFn
    roles: frozenset[str]
    doc: str
    # Keeps the facts a refused mutation carried (notes, photos, signatures) so nothing from the field is lost.
    salvage: Salvage | None = None
    # Older argument shapes still sent by app versions in the field, converted to the current one.
    upgrade: Callable[[dict], dict] | None = None
    # The type of object it answers (a Ref type: the renderer, and the documented answer of its operation).
    answers: str = "work_order"

    def __call__(self, tx: Tx, actor: Actor, args: Any, occurred_at: datetime) -> Ref:
        return self.fn(tx, actor, args, occurred_at)


# Patterns of argument fields whose refusal has a code of its own (else `invalid_arguments`); see `coded`.
PATTERN_CODES: dict[str, str] = {}


def coded(pattern: str, code: str) -> str:
    """A schema pattern for an argument field; arguments failing it are refused with `code`."""
    PATTERN_CODES[pattern] = code
    return pattern


def mutator(
    name: str,
    args: type,
    roles: set[str] | frozenset[str],
    salvage: Salvage | None = None,
    upgrade: Callable[[dict], dict] | None = None,
    answers: str = "work_order",
) -> Callable[[MutatorFn], Mutator]:
    """Describe `fn` as the mutator `name` (admins may run every one); it counts once server/domain/mutators.py lists it."""

    def describe(fn: MutatorFn) -> Mutator:
        return Mutator(name, args, fn, frozenset(roles) | {"admin"}, (fn.__doc__ or "").strip(), salvage, upgrade, answers)

    return describe
