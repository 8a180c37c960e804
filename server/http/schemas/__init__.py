"""What every route answers, as msgspec Structs: the OpenAPI schema is generated from these, so it is the contract.

Domain reads hand back plain rows; a route turns them into these types once, on the way out (`answer`). The types
forbid unknown fields, so a key a domain read adds without documenting it here fails the tests instead of reaching
clients undocumented. Evolving them: new fields get defaults, existing field types never change.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


class Answer(msgspec.Struct, forbid_unknown_fields=True):
    """Base of the response types: a field missing here is a field missing from the schema."""


def answer(kind: type[T], value: Any) -> T:
    """The domain's plain value as the documented type (`list[X]` too); a mismatch is our bug, raised loudly."""
    return msgspec.convert(value, kind)

