"""Wire types of sync push and pull (CONTRACT.md "Sync"), decoded once at the HTTP boundary.

New fields get defaults and unknown ones are ignored, so an app a week old still talks to a new server.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from server.clock import WireTime

ClientId = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_.:-]{1,100}\Z")]
# The deepest mutation arguments are a few levels (reporter inside an order); anything far deeper is abuse,
# refused before a mutator, a salvage or the rejection log walks it.
MAX_ARGS_DEPTH = 32
MutationId = Annotated[int, msgspec.Meta(ge=1)]


class QueuedMutation(msgspec.Struct):
    """One mutation from a device's queue. `args` stays untyped here: its mutator decodes it (or refuses it)."""

    id: MutationId
    name: str
    args: Any = None
    client_ts: str | None = None


def nesting_depth(value: Any, limit: int = MAX_ARGS_DEPTH) -> int:
    """How deep lists and objects nest in `value`, counting no further than `limit` + 1 (iterative: no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class PushRequest(msgspec.Struct):
    client_id: ClientId
    client_time: WireTime
    mutations: list[QueuedMutation] = msgspec.field(default_factory=list)


class PushResult(msgspec.Struct):
    last_mutation_id: int


class PullRequest(msgspec.Struct):
    client_id: ClientId
    cookie: str | None = None


class Put(msgspec.Struct, tag_field="op", tag="put"):
    type: str
    id: str
    value: dict[str, Any]


class Del(msgspec.Struct, tag_field="op", tag="del"):
    type: str
    id: str


class Rejection(msgspec.Struct):
    mutation_id: int
    name: str
    code: str
    message: str


class PullResult(msgspec.Struct):
    cookie: str
    last_mutation_id: int
    patch: list[Put | Del]
    rejections: list[Rejection]
    server_time: str
