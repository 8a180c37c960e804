"""The audit trail of a work order: append-only events, each carrying the hash of the one before.

Editing or deleting any stored event breaks the chain, which `verify_chain` detects.
"""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from typing import Any

import msgspec

from server.store import Tx

GENESIS = "0" * 64

# Where the current mutation came from (sync client id, mutation id, client_ts); set by the sync engine.
origin: ContextVar[dict[str, Any] | None] = ContextVar("audit_origin", default=None)


class Event(msgspec.Struct, frozen=True):
    n: int
    name: str
    actor_id: str | None
    occurred_at: str
    recorded_at: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(prev_hash: str, n: int, name: str, actor_id: str | None, occurred_at: str, recorded_at: str, data: dict) -> str:
    body = canonical({"n": n, "name": name, "actor_id": actor_id, "occurred_at": occurred_at, "recorded_at": recorded_at, "data": data})
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


def append_event(tx: Tx, work_order_id: str, name: str, actor_id: str | None, occurred_at: str, recorded_at: str, data: dict[str, Any]) -> None:
    came_from = origin.get()
    if came_from:
        data = {**data, "origin": came_from}
    last = tx.one("SELECT n, hash FROM wo_events WHERE work_order_id = ? ORDER BY n DESC LIMIT 1", (work_order_id,))
    n, prev = (last["n"] + 1, last["hash"]) if last else (1, GENESIS)
    digest = event_hash(prev, n, name, actor_id, occurred_at, recorded_at, data)
    tx.insert("wo_events", {
        "work_order_id": work_order_id, "n": n, "name": name, "actor_id": actor_id,
        "occurred_at": occurred_at, "recorded_at": recorded_at,
        "data": canonical(data).decode("utf-8"), "prev_hash": prev, "hash": digest,
    })


def load_events(tx: Tx, work_order_id: str) -> list[Event]:
    rows = tx.query("SELECT * FROM wo_events WHERE work_order_id = ? ORDER BY n", (work_order_id,))
    return [Event(r["n"], r["name"], r["actor_id"], r["occurred_at"], r["recorded_at"], json.loads(r["data"]), r["prev_hash"], r["hash"]) for r in rows]


class ChainCheck(msgspec.Struct, frozen=True):
    valid: bool
    events: int
    broken_at: int | None = None


def verify_chain(tx: Tx, work_order_id: str) -> ChainCheck:
    prev = GENESIS
    events = load_events(tx, work_order_id)
    for expected_n, ev in enumerate(events, start=1):
        if ev.n != expected_n or ev.prev_hash != prev:
            return ChainCheck(False, len(events), ev.n)
        if event_hash(prev, ev.n, ev.name, ev.actor_id, ev.occurred_at, ev.recorded_at, ev.data) != ev.hash:
            return ChainCheck(False, len(events), ev.n)
        prev = ev.hash
    return ChainCheck(True, len(events))
