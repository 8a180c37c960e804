"""Wire types of sync push and pull (CONTRACT.md "Sync"), decoded once at the HTTP boundary.

New fields get defaults and unknown ones are ignored, so an app a week old still talks to a new server.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

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


class PushEnvelope(msgspec.Struct):
    """A push as it is read at the door: the envelope decoded, each mutation kept raw for `decode_step`."""

    client_id: ClientId
    client_time: WireTime
    mutations: list[msgspec.Raw] = msgspec.field(default_factory=list)


class TypedMutation(msgspec.Struct, tag_field="name", kw_only=True):
    """A queued mutation whose arguments decoded into its mutator's Struct, tagged by its name (one variant per mutator)."""

    id: MutationId
    client_ts: str | None = None


class Step:
    """One mutation of a push as the engine runs it: its arguments decoded at the door when they could be (`typed`),
    and as sent (`queued`, the arguments left to the registry to decode or refuse; decoded from `raw` when needed)."""

    __slots__ = ("id", "name", "client_ts", "typed", "raw", "_queued")

    def __init__(self, typed: TypedMutation | None = None, raw: bytes | None = None, queued: QueuedMutation | None = None) -> None:
        self.typed, self.raw, self._queued = typed, raw, queued
        known: Any = typed if typed is not None else queued
        self.id, self.client_ts = known.id, known.client_ts
        self.name = type(typed).__struct_config__.tag if typed is not None else queued.name  # type: ignore[union-attr]

    @property
    def queued(self) -> QueuedMutation:
        """The mutation as sent: what a rejection keeps (the raw arguments) and what a salvage decodes."""
        if self._queued is None:
            self._queued = _AS_SENT.decode(self.raw)  # type: ignore[arg-type]
        return self._queued


class PushDecoder:
    """The one decoder of a push body, made once the mutators are registered: the envelope, then each mutation as the
    tagged union of the mutators' typed variants (arguments decoded once, straight from the bytes).

    A mutation that is no variant (an unknown name, arguments of an older shape or that its type refuses) is read as
    sent instead, and the registry upgrades, decodes or refuses it exactly as before; so a typed variant is offered only
    for a mutator whose arguments refuse unknown fields (an older shape, which an `upgrade` converts, then never decodes
    as the new one) and hold nothing untyped (no depth to check).
    """

    def __init__(self, mutators: dict[str, Any]) -> None:
        variants = tuple(msgspec.defstruct(f"{name}_mutation", [("args", m.args_type)], bases=(TypedMutation,), tag=name, kw_only=True)
                         for name, m in sorted(mutators.items()) if _closed(m.args_type))
        self.typed_names = frozenset(v.__struct_config__.tag for v in variants)
        self._envelope = msgspec.json.Decoder(PushEnvelope, strict=False)
        self._variants = msgspec.json.Decoder(Union[variants]) if variants else None  # type: ignore[valid-type]

    def decode(self, body: bytes) -> tuple[PushEnvelope, list[Step]]:
        """The envelope and its steps; raises msgspec's DecodeError/ValidationError when the push itself is unreadable."""
        envelope = self._envelope.decode(body)
        steps = []
        for index, raw in enumerate(envelope.mutations):
            try:
                steps.append(self.step(raw))
            except msgspec.ValidationError as exc:  # said where in the body, as a decode of the whole push says it
                what, _, where = str(exc).partition(" - at `$")
                raise msgspec.ValidationError(f"{what} - at `$.mutations[{index}]{where.rstrip('`')}`") from None
        return envelope, steps

    def step(self, raw: msgspec.Raw) -> Step:
        if self._variants is not None:
            try:
                return Step(typed=self._variants.decode(raw), raw=bytes(raw))
            except msgspec.ValidationError:
                pass
        return Step(queued=_AS_SENT.decode(raw))


def _closed(kind: Any) -> bool:
    """Whether a Struct type forbids unknown fields and holds only typed values, however deep."""
    info = msgspec.inspect.type_info(kind)
    if not isinstance(info, msgspec.inspect.StructType) or not info.forbid_unknown_fields:
        return False
    seen: set[int] = set()
    todo: list[Any] = [info]
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if isinstance(t, (msgspec.inspect.AnyType, msgspec.inspect.RawType, msgspec.inspect.CustomType)):
            return False
        if isinstance(t, msgspec.inspect.StructType):
            todo.extend(f.type for f in t.fields)
        elif isinstance(t, msgspec.inspect.UnionType):
            todo.extend(t.types)
        elif isinstance(t, (msgspec.inspect.ListType, msgspec.inspect.SetType, msgspec.inspect.FrozenSetType, msgspec.inspect.VarTupleType)):
            todo.append(t.item_type)
        elif isinstance(t, msgspec.inspect.DictType):
            todo.extend((t.key_type, t.value_type))
        elif isinstance(t, msgspec.inspect.TupleType):
            todo.extend(t.item_types)
    return True


# A mutation read as sent: lenient as the HTTP layer reads bodies (strict=False), its arguments untouched.
_AS_SENT = msgspec.json.Decoder(QueuedMutation, strict=False)


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
