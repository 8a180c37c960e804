"""The monitoring room's people for the shift tests: the shared world (tests/world.py) plus a second
guard of North Court, who takes over, and a guard of South Tower, who must not."""

from __future__ import annotations

from pathlib import Path

from server.auth import add_user
from tests.backend import open_store
from tests.world import PASSWORD, build_world


def build_monitoring_room(data_dir: Path) -> None:
    """Write the world and the two extra guards into `data_dir`'s database, before a server starts on it."""
    db = str(data_dir / "fieldops.db")
    build_world(db)
    store = open_store(db)
    try:
        store.write(lambda tx: [add_user(tx, "guard_b", PASSWORD, "guard", ["north"], "Guard B"),
                                add_user(tx, "guard_south", PASSWORD, "guard", ["south"], "Guard South")])
    finally:
        store.close()
