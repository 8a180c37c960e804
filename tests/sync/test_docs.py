"""sync/README.md cannot rot: it names every synced type, the chunk size and each error code the engine raises."""

from __future__ import annotations

from pathlib import Path

from sync.objects import SYNCED_TYPES
from sync.push import CHUNK_SIZE

README = (Path(__file__).resolve().parents[2] / "sync" / "README.md").read_text(encoding="utf-8")


def test_the_sync_readme_names_every_synced_type_the_chunk_size_and_the_error_codes():
    for type_ in SYNCED_TYPES:
        assert f"`{type_}`" in README, type_
    assert f"chunks of {CHUNK_SIZE} per write transaction" in README
    for code in ("mutation_gap", "invalid_cookie", "unknown_mutation", "role_not_allowed", "invalid_arguments", "invalid_time", "internal_error"):
        assert code in README, code
