"""A refused offline mutation: recorded as the client's rejection, its facts salvaged onto the order,
and a conflict raised for the dispatcher ("complete from Tech's device was refused: the order is cancelled").
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from server.clock import now_text, to_rfc3339
from server.domain.access import salvage_target
from server.domain.actor import Actor
from server.domain.changes import touch
from server.domain.registry import check_role, decode_args, get_mutator
from server.errors import AppError
from server.store import Tx
from sync.wire import QueuedMutation

log = logging.getLogger("fieldops.sync")


def keep_refused(tx: Tx, actor: Actor, client_id: str, m: QueuedMutation, code: str, message: str, occurred: datetime) -> None:
    occurred_text = to_rfc3339(occurred)
    tx.insert("sync_rejections", {
        "user_id": actor.id, "client_id": client_id, "mutation_id": m.id, "name": m.name,
        "args": json.dumps(m.args, ensure_ascii=False, default=str), "code": code, "message": message,
        "client_ts": m.client_ts, "occurred_at": occurred_text, "recorded_at": now_text(),
    })
    _salvage(tx, actor, m, occurred)
    order = _related_order(tx, actor, m.args)
    tx.insert("conflicts", {
        "work_order_id": order["id"] if order else None, "site_id": order["site_id"] if order else None,
        # The message is the English fallback; apps word it from code, mutation, actor and the two times.
        "code": code, "message": f"{m.name} from {actor.name}'s device was refused: {message}",
        "mutation": m.name, "actor_id": actor.id, "client_id": client_id, "mutation_id": m.id, "created_at": now_text(),
        "occurred_at": occurred_text,
    })
    if order:
        touch(tx, "work_order", order["id"])  # the order's conflicts list changed: dispatchers' pulls see it


def _salvage(tx: Tx, actor: Actor, m: QueuedMutation, occurred: datetime) -> None:
    """Run the mutator's salvage (notes, photos, signature, times) if it has one and the arguments decode."""
    try:
        mutator = get_mutator(m.name)
        check_role(mutator, actor)
        if mutator.salvage is None:
            return
        args = decode_args(mutator, m.args)
    except AppError:
        return  # unknown name, wrong role or unreadable arguments: the rejection row keeps the raw arguments
    tx.execute("SAVEPOINT sync_salvage")
    try:
        mutator.salvage(tx, actor, args, occurred)
    except AppError as exc:
        log.info("nothing salvaged from %s: %s", m.name, exc.message)
        tx.execute("ROLLBACK TO sync_salvage")
    tx.execute("RELEASE sync_salvage")


def _related_order(tx: Tx, actor: Actor, args: Any) -> dict[str, Any] | None:
    """The order a refused mutation was about, if the actor has any business with it (else the conflict stays unlinked)."""
    if not isinstance(args, dict):
        return None
    work_order_id = args.get("work_order_id", args.get("wo"))
    if not isinstance(work_order_id, str):
        return None
    return salvage_target(tx, actor, work_order_id)
