"""The alarm tests' store: the shared world (tests/world.py) in a database of the suite's backend."""

from __future__ import annotations

import pytest

from tests.backend import open_store
from tests.world import build_world


@pytest.fixture
def store(tmp_path):
    path = str(tmp_path / "fieldops.db")
    build_world(path)
    s = open_store(path)
    yield s
    s.close()
