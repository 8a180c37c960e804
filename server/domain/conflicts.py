"""The dispatcher's review of refused steps and conflicts (the registry's keep_refused raises them):
resolving one records how it was dealt with, on the conflict and in the order's audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from server.clock import now_text
from server.domain.access import load_order
from server.domain.actor import Actor
from server.domain.mutation import Ref, mutator
from server.domain.workorder_args import Text
from server.domain.workorders import record, step_time
from server.errors import Conflict, NotFound
from server.store import Tx

# redone: the refused step was done again properly (or the order put right); upheld: the refusal was
# right and nothing more is owed; dismissed: nothing to act on (a duplicate, a test).
Resolution = Literal["redone", "upheld", "dismissed"]


class ResolveConflict(msgspec.Struct, forbid_unknown_fields=True):
    conflict_id: Annotated[int, msgspec.Meta(ge=1, le=2**53)]  # a row id, exact in any JSON number
    resolution: Resolution
    note: Text = ""


@mutator("resolve_conflict", ResolveConflict, {"dispatcher", "supervisor"})
def resolve_conflict(tx: Tx, actor: Actor, args: ResolveConflict, occurred_at: datetime) -> Ref:
    """Close a refusal or conflict on the review list, saying how it was resolved (redone, upheld, dismissed)."""
    row = tx.one("SELECT * FROM conflicts WHERE id = ?", (args.conflict_id,))
    if row is None or row["work_order_id"] is None:
        raise NotFound(f"no conflict {args.conflict_id}", code="conflict_not_found")
    wo = load_order(tx, actor, row["work_order_id"])  # 404 for an order outside the actor's sites
    if row["resolved_at"] is not None:
        if row["resolved_by"] == actor.id and row["resolution"] == args.resolution:
            return Ref("work_order", wo["id"])  # a retried push: already recorded
        raise Conflict(f"conflict {args.conflict_id} was already resolved", code="conflict_already_resolved")
    occurred = step_time(wo, occurred_at)
    tx.execute("UPDATE conflicts SET resolved_at = ?, resolved_by = ?, resolution = ?, resolution_note = ? WHERE id = ?",
               (occurred, actor.id, args.resolution, args.note, args.conflict_id))
    return record(tx, actor, wo, "resolve_conflict", occurred, {}, {
        "conflict_id": args.conflict_id, "code": row["code"], "mutation": row["mutation"],
        "resolution": args.resolution, "note": args.note, "resolved_recorded_at": now_text()})
