"""Sync pull: everything the user may see (cookie null) or what changed since the cookie's version,
with the client's `last_mutation_id` and rejections, all from one read snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ContextManager, Iterator, Mapping

import msgspec

from server.clock import now_text
from server.domain.actor import Actor
from server.metrics import SYNC_PULLS
from server.store import Store, Tx
from sync.cookie import Cookie, cookie_key, decode_cookie, encode_cookie
from sync.objects import SYNCED_TYPES
from sync.push import last_mutation_id
from sync.wire import Del, PullRequest, PullResult, Put, Rejection


def pull_changes(store: Store, actor: Actor, request: PullRequest, targets: Mapping[str, int]) -> PullResult:
    return store.read(lambda tx: _pull(tx, actor, request, targets))


def stream_pull(store: Store, actor: Actor, request: PullRequest, targets: Mapping[str, int]) -> Iterator[bytes] | PullResult:
    """A full pull (cookie null) as JSON pieces, one page of orders at a time, from one snapshot held open while
    they are sent: the same bytes as an encoded PullResult, never all in memory. Any other pull (a delta is small)
    answers its PullResult. A refusal (an invalid cookie) is raised here, before anything is sent."""
    if request.cookie is not None:
        return pull_changes(store, actor, request, targets)
    snapshot = store.snapshot()
    tx = snapshot.__enter__()
    try:
        head = _head(tx, actor, request)
    except BaseException as exc:
        snapshot.__exit__(type(exc), exc, exc.__traceback__)
        raise
    return _pieces(snapshot, tx, actor, targets, head)


# The pull's JSON written in pieces: the Structs' own encoding (fields in PullResult's order), joined by hand.
_encode = msgspec.json.Encoder().encode


def _head(tx: Tx, actor: Actor, request: PullRequest) -> tuple[bytes, bytes]:
    """What a full pull says around its patch: the cookie and the queue's position, and its rejections (all of them)."""
    version = tx.one("SELECT coalesce(max(version), 0) AS v FROM changes")["v"]  # fixes the snapshot
    rejection_seq = tx.one("SELECT coalesce(max(seq), 0) AS r FROM sync_rejections")["r"]
    cookie = encode_cookie(cookie_key(tx), version, rejection_seq, actor)
    rejections = [] if rejection_seq == 0 else tx.query(
        "SELECT mutation_id, name, code, message FROM sync_rejections WHERE user_id = ? AND client_id = ? AND seq > 0 ORDER BY mutation_id",
        (actor.id, request.client_id))
    SYNC_PULLS.labels("full").inc()
    before = b'{"cookie":' + _encode(cookie) + b',"last_mutation_id":' + _encode(last_mutation_id(tx, actor.id, request.client_id)) + b',"patch":['
    after = b'],"rejections":' + _encode([Rejection(**r) for r in rejections]) + b',"server_time":'
    return before, after


def _pieces(snapshot: ContextManager[Tx], tx: Tx, actor: Actor, targets: Mapping[str, int], head: tuple[bytes, bytes]) -> Iterator[bytes]:
    try:
        yield head[0]
        first = True
        for kind in SYNCED_TYPES.values():
            pages = kind.full_pages(tx, actor, targets) if hasattr(kind, "full_pages") else iter([kind.full(tx, actor, targets)])
            for page in pages:
                if page:
                    body = _encode(page)[1:-1]  # the page's puts without its brackets, joined to the others by a comma
                    yield body if first else b"," + body
                    first = False
        yield head[1] + _encode(now_text()) + b"}"
    finally:
        snapshot.__exit__(None, None, None)


def _pull(tx: Tx, actor: Actor, request: PullRequest, targets: Mapping[str, int]) -> PullResult:
    # The first statement fixes the snapshot: the version, the patch and the rejections all agree.
    version = tx.one("SELECT coalesce(max(version), 0) AS v FROM changes")["v"]
    rejection_seq = tx.one("SELECT coalesce(max(seq), 0) AS r FROM sync_rejections")["r"]
    key = cookie_key(tx)
    cookie = decode_cookie(key, request.cookie, actor, version) if request.cookie is not None else None
    if cookie is None:
        SYNC_PULLS.labels("full").inc()
        patch: list[Put | Del] = [put for kind in SYNCED_TYPES.values() for put in kind.full(tx, actor, targets)]
    elif not cookie.same_scope(actor):
        SYNC_PULLS.labels("rescope").inc()
        patch = _rescoped(tx, actor, cookie, targets)
    else:
        SYNC_PULLS.labels("delta").inc()
        patch = _delta(tx, actor, cookie.v, targets) if cookie.v < version else []  # a quiet fleet's poll stops here
    seen = cookie.r if cookie else 0
    rejections = [] if seen == rejection_seq else tx.query(
        "SELECT mutation_id, name, code, message FROM sync_rejections WHERE user_id = ? AND client_id = ? AND seq > ? ORDER BY mutation_id",
        (actor.id, request.client_id, seen))
    return PullResult(
        cookie=encode_cookie(key, version, rejection_seq, actor),
        last_mutation_id=last_mutation_id(tx, actor.id, request.client_id),
        patch=patch,
        rejections=[Rejection(**r) for r in rejections],
        server_time=now_text(),
    )


def _delta(tx: Tx, actor: Actor, since: int, targets: Mapping[str, int]) -> list[Put | Del]:
    touched: dict[str, set[str]] = defaultdict(set)
    for row in tx.query("SELECT DISTINCT type, obj_id FROM changes WHERE version > ?", (since,)):
        touched[row["type"]].add(row["obj_id"])
    patch: list[Put | Del] = []
    for type_, kind in SYNCED_TYPES.items():
        if touched.get(type_):
            patch += kind.changed(tx, actor, touched[type_], targets)
    return patch


def _rescoped(tx: Tx, actor: Actor, cookie: Cookie, targets: Mapping[str, int]) -> list[Put | Del]:
    """The user's role or sites changed since the cookie: send the whole new view, and delete what the old one held."""
    before = Actor(actor.id, actor.name, cookie.role, frozenset(cookie.sites))
    patch: list[Put | Del] = []
    for type_, kind in SYNCED_TYPES.items():
        puts = kind.full(tx, actor, targets)
        shown = {p.id for p in puts}
        patch += puts
        patch += [Del(type_, obj_id) for obj_id in sorted(kind.visible_ids(tx, before) - shown)]
    return patch
