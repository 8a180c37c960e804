"""A refused offline mutation, as the device hears of it: a `sync_rejections` row its next pull carries.

What the refusal keeps on the order (salvaged facts, the conflict for the dispatcher) is the registry's
`keep_refused`, the same rule as online; this is only the offline answer, as the HTTP error is the online one.
"""

from __future__ import annotations

import json
from datetime import datetime

from server.clock import now_text, to_rfc3339
from server.domain.actor import Actor
from server.store import Tx
from sync.wire import QueuedMutation


def record_rejection(tx: Tx, actor: Actor, client_id: str, m: QueuedMutation, code: str, message: str, occurred: datetime) -> None:
    tx.insert("sync_rejections", {
        "user_id": actor.id, "client_id": client_id, "mutation_id": m.id, "name": m.name,
        "args": json.dumps(m.args, ensure_ascii=False, default=str), "code": code, "message": message,
        "client_ts": m.client_ts, "occurred_at": to_rfc3339(occurred), "recorded_at": now_text(),
    })
