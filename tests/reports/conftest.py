"""A History writer on the module's world database (beside the live server, as a second SQLite process)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.reports.history import History


@pytest.fixture(scope="module")
def history(world_dir: Path, world) -> Iterator[History]:  # noqa: ANN001  (world: built before we write)
    writer = History(str(world_dir / "fieldops.db"))
    yield writer
    writer.close()
