"""Shared set-up of the sync benchmarks: a world (tests/world.py) with orders seeded straight through the
mutators, and a technician's offline queue that works them through the whole procedure.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from server.auth import load_actor  # noqa: E402
from server.clock import now, to_rfc3339  # noqa: E402
from server.domain.registry import apply_mutation  # noqa: E402
from server.ids import new_id  # noqa: E402
from server.store import open_store  # noqa: E402
from tests.live_server import new_order_args  # noqa: E402
from tests.world import build_world  # noqa: E402

STEPS_PER_ORDER = 7


def seed_world(directory: Path, orders: int, technician: str = "tech", others_share: float = 0.0, location: str = "") -> list[str]:
    """A fresh database with `orders` orders dispatched to `technician` (plus `others_share` as many to tech_b);
    `location` a PostgreSQL URL, else the SQLite file in `directory`."""
    location = location or str(directory / "fieldops.db")
    users = build_world(location).users
    store = open_store(location)
    mine: list[str] = []
    try:
        def fill(tx: Any, count: int, who: str, keep: bool) -> None:
            office = load_actor(tx, users["disp"])
            for _ in range(count):
                args = new_order_args("north")
                apply_mutation(tx, office, "create_work_order", args, now())
                apply_mutation(tx, office, "dispatch", {"work_order_id": args["id"], "technician_id": users[who]}, now())
                if keep:
                    mine.append(args["id"])

        for start in range(0, orders, 5000):
            store.write(lambda tx: fill(tx, min(5000, orders - start), technician, True))
        others = int(orders * others_share)
        for start in range(0, others, 5000):
            store.write(lambda tx: fill(tx, min(5000, others - start), "tech_b", False))
    finally:
        store.close()
    return mine


def offline_day(order_ids: list[str], count: int) -> list[dict[str, Any]]:
    """`count` queued mutations: accept, arrive, confirm scope, cleanup photo, note, complete, note per order."""
    queue: list[dict[str, Any]] = []
    stamp = to_rfc3339(now())
    for wo in order_ids:
        steps = [
            ("accept", {"work_order_id": wo}),
            ("arrive", {"work_order_id": wo}),
            ("confirm_scope", {"work_order_id": wo, "scope": "replace washer", "labor_fee": 3000, "material_fee": 500, "customer_name": "Ms Wang",
                               # paid work needs the customer's consent signature; its image may land later
                               "consent_signature_sha256": new_id().replace("-", "").rjust(64, "c")[:64]}),
            ("attach_photo", {"work_order_id": wo, "sha256": new_id().replace("-", "").ljust(64, "0")[:64], "kind": "cleanup", "taken_at": stamp}),
            ("add_note", {"work_order_id": wo, "id": new_id(), "text": "washer replaced, floor dried"}),
            ("complete", {"work_order_id": wo, "summary": "tap fixed"}),
            ("add_note", {"work_order_id": wo, "id": new_id(), "text": "customer asked about the boiler"}),
        ]
        for name, args in steps:
            if len(queue) == count:
                return queue
            queue.append({"id": len(queue) + 1, "name": name, "args": args, "client_ts": stamp})
    return queue
