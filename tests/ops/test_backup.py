"""`fieldops backup` while the service takes writes, then `fieldops restore` into a new data directory:
every write acknowledged before the backup began is there, whole, with its audit chain intact."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from server.domain.audit import verify_chain
from server.ids import new_id
from tests import backend
from tests.backend import open_store
from tests.live_server import new_order_args
from tests.sensor_fixtures import wait_for

FIELDOPS = str(Path(sys.executable).parent / "fieldops")


@pytest.fixture(autouse=True)
def on_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run against SQLite on both backends' passes: they check the SQLite online backup; tests/ops/test_backup_postgres.py checks pg_dump/pg_restore."""
    monkeypatch.setattr(backend, "POSTGRES", False)
    monkeypatch.setenv("FIELDOPS_DATABASE_URL", "")


def fieldops(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"FIELDOPS_DATA_DIR": str(data_dir), "PATH": str(Path(sys.executable).parent), **(env or {})}
    return subprocess.run([FIELDOPS, *args], env=env, capture_output=True, text=True, timeout=120)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


class Load:
    """Creates orders (each with a note) as fast as the server answers; remembers what was acknowledged, when."""

    def __init__(self, client) -> None:  # noqa: ANN001
        self.client = client
        self.acked: list[tuple[float, str, str]] = []  # (monotonic time of the 200, order id, note id)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.is_set():
            order, note = new_order_args(), new_id()
            r = self.client.mutate("create_work_order", **order)
            n = self.client.mutate("add_note", work_order_id=order["id"], id=note, text="under load") if r.status_code == 200 else r
            if n.status_code != 200:
                self.errors.append(n.text)
                continue
            self.acked.append((time.monotonic(), order["id"], note))

    def __enter__(self) -> "Load":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(30)


def test_a_backup_taken_under_write_load_restores_every_acknowledged_write(start_server, as_user_of, tmp_path):
    source_dir = tmp_path / "live"
    source_dir.mkdir()
    server = start_server(data_dir=source_dir)
    disp = as_user_of(server, "disp")
    image = png_bytes()
    digest = hashlib.sha256(image).hexdigest()
    assert disp.put(f"/api/v1/blobs/{digest}", content=image).status_code in (200, 201)

    backup_dir = tmp_path / "backup"
    with Load(as_user_of(server, "disp")) as load:
        wait_for(lambda: len(load.acked) >= 20 or load.errors, timeout=60, what="writes under way")
        began = time.monotonic()
        made = fieldops(source_dir, "backup", str(backup_dir))
        ended = time.monotonic()
        wait_for(lambda: any(t > ended for t, _, _ in load.acked) or load.errors, timeout=60,
                 what="writes after the backup")  # writes went on after the backup too
    assert made.returncode == 0, made.stderr
    assert load.errors == []
    acked_before = [(oid, note) for t, oid, note in load.acked if t < began]
    during = [t for t, _, _ in load.acked if began <= t <= ended]
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["blobs"] >= 1 and (backup_dir / "fieldops.db").exists()

    restored_dir = tmp_path / "restored"
    done = fieldops(restored_dir, "restore", str(backup_dir))
    assert done.returncode == 0, done.stderr
    again = fieldops(restored_dir, "restore", str(backup_dir))
    assert again.returncode == 2 and "database_exists" in again.stderr  # never over a database without --force

    store = open_store(str(restored_dir / "fieldops.db"))
    try:
        def check(tx):  # type: ignore[no-untyped-def]
            ids = {r["id"] for r in tx.query("SELECT id FROM work_orders")}
            notes = {r["id"] for r in tx.query("SELECT id FROM notes")}
            missing = [oid for oid, note in acked_before if oid not in ids or note not in notes]
            broken = [oid for oid in ids if not verify_chain(tx, oid).valid]
            return missing, broken, ids

        missing, broken, ids = store.read(check)
    finally:
        store.close()
    assert missing == [] and broken == []
    assert len(ids) >= len(acked_before) >= 20

    restored = start_server(data_dir=restored_dir)
    reader = as_user_of(restored, "disp")
    oid, note = acked_before[-1]
    assert [n["id"] for n in reader.order(oid)["notes"]] == [note]
    assert reader.head(f"/api/v1/blobs/{digest}").status_code == 200
    print(f"acknowledged before the backup: {len(acked_before)}, during it: {len(during)}, backup took {ended - began:.2f} s")


def test_backup_refuses_a_directory_that_is_not_empty_and_restore_a_directory_that_is_not_a_backup(tmp_path):
    data = tmp_path / "data"
    open_store(str(data / "fieldops.db")).close()
    full = tmp_path / "full"
    full.mkdir()
    (full / "something").write_text("x")
    r = fieldops(data, "backup", str(full))
    assert r.returncode == 2 and "backup_exists" in r.stderr
    r = fieldops(tmp_path / "elsewhere", "restore", str(full))
    assert r.returncode == 2 and "not_a_backup" in r.stderr


def test_restore_refuses_a_backup_whose_database_was_altered(tmp_path):
    data = tmp_path / "data"
    open_store(str(data / "fieldops.db")).close()
    assert fieldops(data, "backup", str(tmp_path / "b")).returncode == 0
    copy = tmp_path / "b" / "fieldops.db"
    raw = bytearray(copy.read_bytes())
    raw[-100] ^= 0xFF
    copy.write_bytes(bytes(raw))
    r = fieldops(tmp_path / "new", "restore", str(tmp_path / "b"))
    assert r.returncode == 2 and "backup_corrupt" in r.stderr and not (tmp_path / "new" / "fieldops.db").exists()
