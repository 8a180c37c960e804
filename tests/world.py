"""Test data built in code: two sites, one user per role (and a second technician), shared by the suites.

`build_world` writes through the same functions as the CLI, into a real SQLite file.
"""

from __future__ import annotations

import msgspec

from server.auth import add_user
from server.domain.directory import add_site
from tests.backend import open_store

PASSWORD = "correct-horse-9"


class World(msgspec.Struct):
    users: dict[str, str]  # username -> user id


USERS = [  # username, role, sites
    ("disp", "dispatcher", ["north"]),
    ("disp_south", "dispatcher", ["south"]),
    ("tech", "technician", ["north"]),
    ("tech_b", "technician", ["north"]),
    ("tech_south", "technician", ["south"]),
    ("guard", "guard", ["north"]),
    ("boss", "supervisor", ["north"]),
    ("root", "admin", []),
]


def build_world(db_path: str) -> World:
    store = open_store(db_path)
    try:
        def fill(tx):  # type: ignore[no-untyped-def]
            add_site(tx, "north", "North Court")
            add_site(tx, "south", "South Tower")
            return {name: add_user(tx, name, PASSWORD, role, sites, name.title()) for name, role, sites in USERS}

        return World(store.write(fill))
    finally:
        store.close()
