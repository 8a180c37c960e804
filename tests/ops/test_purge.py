"""`fieldops purge`: dead letters, expired uploads and old exports past their retention go; records stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import msgspec

from server.blobs import upload_area
from server.blobs.tus import Upload, UploadArea
from server.settings import from_env
from tests.backend import open_store, server_env
from tests.ops.test_backup import fieldops

SHA = "a" * 64
UPLOAD_EXPIRE_S = 3600  # FIELDOPS_UPLOAD_EXPIRE_S for the purge below


def idle_since(area: UploadArea, upload: Upload, when: float) -> None:
    """Moves an upload's creation and last PATCH back to `when`, as if the phone had gone quiet then."""
    info = area.root / f"{upload.id}.json"
    info.write_bytes(msgspec.json.encode(msgspec.structs.replace(upload, created_at=when, expires_at=0.0)))
    os.utime(area.data_path(upload.id), (when, when))


def test_purge_deletes_what_is_past_retention_and_keeps_the_rest(tmp_path: Path):
    store = open_store(str(tmp_path / "fieldops.db"))
    store.write(lambda tx: [tx.insert("dead_letters", {"topic": "fieldops/north/x/event", "payload": b"garbage", "reason": "bad json", "received_at": when})
                            for when in ("2020-01-01T00:00:00.000000Z", "2099-01-01T00:00:00.000000Z")])
    settings = from_env({}, data_dir=tmp_path)
    area = upload_area(settings, store)
    stale = area.create("u1", 10, {"sha256": SHA})
    idle_since(area, stale, time.time() - 2 * UPLOAD_EXPIRE_S)  # quiet for two hours: past the expiry the purge uses
    fresh = area.create("u1", 10, {"sha256": SHA})
    store.close()

    exports = tmp_path / "exports"
    exports.mkdir()
    old, new = exports / "report-2024-01-all.csv", exports / "report-2026-10-all.csv"
    old.write_text("x")
    new.write_text("y")
    long_ago = time.time() - 500 * 86400
    os.utime(old, (long_ago, long_ago))

    r = fieldops(tmp_path, "purge", env={**server_env(tmp_path), "FIELDOPS_UPLOAD_EXPIRE_S": str(UPLOAD_EXPIRE_S)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "dead_letters: 1 removed, uploads: 1 removed, exports: 1 removed"
    assert not old.exists() and new.exists()
    assert not area.data_path(stale.id).exists() and area.data_path(fresh.id).exists()
    store = open_store(str(tmp_path / "fieldops.db"))
    left = store.read(lambda tx: [r["received_at"] for r in tx.query("SELECT received_at FROM dead_letters")])
    store.close()
    assert left == ["2099-01-01T00:00:00.000000Z"]
