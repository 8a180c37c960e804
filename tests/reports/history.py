"""Crafted order histories with known answers: each step written through apply_mutation (the one
write path) with the time it happened, as an offline device's steps are, into a real SQLite file.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from server.clock import to_rfc3339
from server.domain.actor import Actor
from server.domain.registry import apply_mutation
from server.ids import new_id
from server.store import Store
from tests.backend import open_store
from tests.live_server import new_order_args

SHANGHAI = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    """A wall-clock time in the company's zone (Asia/Shanghai has no DST): '2026-03-10 09:00'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def actor(store: Store, username: str) -> Actor:
    def load(tx: Any) -> Actor:
        user = tx.one("SELECT id, name, role FROM users WHERE username = ?", (username,))
        sites = frozenset(r["site_id"] for r in tx.query("SELECT site_id FROM user_sites WHERE user_id = ?", (user["id"],)))
        return Actor(user["id"], user["name"], user["role"], sites)

    return store.read(load)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def signed_document_sha256(wo: dict[str, Any], photos: list[str]) -> str:
    """CONTRACT.md "Sign-off": SHA-256 of the canonical JSON of what the customer signs."""
    document = {k: wo[k] for k in ("unit", "title", "scope", "labor_fee", "material_fee", "summary", "site_id")}
    document.update(work_order_id=wo["id"], photos=sorted(photos))
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


class History:
    """Writes orders step by step at given minutes after their creation."""

    def __init__(self, db_path: str) -> None:
        self.store = open_store(db_path)
        self.disp = actor(self.store, "disp")
        self.tech = actor(self.store, "tech")

    def close(self) -> None:
        self.store.close()

    def step(self, who: Actor, name: str, moment: datetime, **args: Any) -> None:
        self.store.write(lambda tx: apply_mutation(tx, who, name, args, moment))

    def order(self, created: datetime, *, dispatch: float | None = None, arrive: float | None = None, complete: float | None = None,
              sign_off: float | None = None, call_back: float | None = None, reached: bool = True, **over: Any) -> str:
        """One order created at `created`; each keyword is minutes after creation at which that step happened."""
        args = new_order_args("north", id=new_id(), **over)
        oid = args["id"]
        self.step(self.disp, "create_work_order", created, **args)
        minutes = lambda m: created + timedelta(minutes=m)  # noqa: E731
        if dispatch is not None:
            self.step(self.disp, "dispatch", minutes(dispatch), work_order_id=oid, technician_id=self.tech.id)
            self.step(self.tech, "accept", minutes(dispatch), work_order_id=oid)
        if arrive is not None:
            self.step(self.tech, "arrive", minutes(arrive), work_order_id=oid)
        if complete is not None:
            self.step(self.tech, "confirm_scope", minutes(complete), work_order_id=oid, scope="fix", labor_fee=0, material_fee=0, customer_name="Ms Wang")
            self.step(self.tech, "attach_photo", minutes(complete), work_order_id=oid, sha256=sha(oid), kind="cleanup", taken_at=to_rfc3339(minutes(complete)))
            self.step(self.tech, "complete", minutes(complete), work_order_id=oid, summary="done")
        if sign_off is not None:
            wo = self.store.read(lambda tx: tx.one("SELECT * FROM work_orders WHERE id = ?", (oid,)))
            self.step(self.tech, "sign_off", minutes(sign_off), work_order_id=oid, signer_name="Ms Wang", signature_sha256=sha("sig" + oid),
                      accepted=True, document_sha256=signed_document_sha256(wo, [sha(oid)]), signed_at=to_rfc3339(minutes(sign_off)))
        if call_back is not None:
            self.step(self.disp, "call_back", minutes(call_back), work_order_id=oid, reached=reached, satisfied=True if reached else None, comment="")
        return oid
