"""Storage failures are seen and never acknowledged: a full disk (a real 24 MB tmpfs filled up) and a database
file deleted or replaced under the running server answer 503 with a code, /health says the database is not ok,
and a restart refuses to put a fresh (demo) database where one existed."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from tests import backend

from tests.evidence.photos import big_photo, sha
from tests.live_server import LiveServer, new_order_args
from tests.sensor_fixtures import wait_for
from tests.world import build_world

DISK_SIZE = "24m"


@pytest.fixture(autouse=True)
def on_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run against SQLite on both backends' passes: they guard the SQLite file (its disk, its identity, its marker)."""
    monkeypatch.setattr(backend, "POSTGRES", False)
    monkeypatch.setenv("FIELDOPS_DATABASE_URL", "")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real, small filesystem of its own (tmpfs) for the data directory; needs root (CI runs as root)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill_up(directory: Path) -> Path:
    """Write a file until the filesystem says ENOSPC: the disk is full for real."""
    filler = directory / "filler"
    chunk = b"\0" * (256 * 1024)
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    assert shutil.disk_usage(directory).free < 64 * 1024
    return filler


def health(server: LiveServer):
    return server.anonymous().get("/health")


def test_with_the_disk_full_writes_answer_503_storage_full_and_nothing_refused_is_kept(small_disk, start_server):
    server = start_server(data_dir=small_disk)
    disp = server.login("disp")
    disp.ok("create_work_order", **new_order_args())
    filler = fill_up(small_disk)

    # Small writes may still fit in space SQLite already holds; go on until one needs more.
    acknowledged, refused = [], None
    for _ in range(400):
        args = new_order_args(description="漏水 " * 1300)
        r = disp.mutate("create_work_order", **args)
        if r.status_code != 200:
            refused = (args["id"], r)
            break
        acknowledged.append(args["id"])
    assert refused is not None, "the full disk never refused a write"
    refused_id, r = refused
    assert r.status_code == 503 and r.json()["error"]["code"] == "storage_full", r.text
    assert "retry-after" in r.headers
    push = disp.post("/api/v1/sync/push", json={"client_id": "tablet-1", "client_time": "2026-11-23T10:00:00Z", "mutations": [
        {"id": 1, "name": "create_work_order", "args": new_order_args(description="漏水 " * 1300), "client_ts": "2026-11-23T10:00:00Z"}]})
    assert push.status_code == 503 and push.json()["error"]["code"] == "storage_full", push.text
    photo = big_photo(1)
    stored = disp.put(f"/api/v1/blobs/{sha(photo)}", content=photo, headers={"Content-Type": "application/octet-stream"})
    assert stored.status_code == 503 and stored.json()["error"]["code"] == "storage_full", stored.text
    sick = health(server)
    assert sick.status_code == 503 and sick.json()["db"].startswith("error") and sick.json()["db_code"] == "storage_full"

    filler.unlink()
    wait_for(lambda: health(server).status_code == 200, what="health ok once there is room again")
    assert health(server).json()["db"] == "ok"
    disp.ok("create_work_order", **new_order_args())
    server.stop()
    server.start()
    again = server.login("disp")
    assert again.get(f"/api/v1/work-orders/{refused_id}").status_code == 404
    assert all(again.get(f"/api/v1/work-orders/{order_id}").status_code == 200 for order_id in acknowledged)


def replace_with_another_database(db: Path) -> None:
    other = db.with_name("other.db")
    build_world(str(other))
    os.replace(other, db)


@pytest.mark.parametrize("lose", [Path.unlink, replace_with_another_database], ids=["deleted", "replaced"])
def test_a_database_file_lost_under_the_running_server_is_seen_and_never_recreated_with_demo_data(start_server, tmp_path, lose):
    server = start_server(env={"FIELDOPS_DEMO": "1"})
    disp = server.login("disp")
    kept = disp.ok("create_work_order", **new_order_args())
    db = tmp_path / "fieldops.db"

    lose(db)
    r = disp.mutate("create_work_order", **new_order_args())
    assert r.status_code == 503 and r.json()["error"]["code"] == "database_lost", r.text
    assert disp.post("/api/v1/auth/logout").status_code == 503  # a revocation into a lost file is not acknowledged either
    assert disp.get(f"/api/v1/work-orders/{kept['id']}").json()["error"]["code"] == "database_lost"  # nor read from a file no longer there
    sick = health(server)
    assert sick.status_code == 503 and sick.json()["db_code"] == "database_lost"

    server.stop()
    if lose is Path.unlink:
        with pytest.raises(RuntimeError, match="database_missing"):
            server.start()
        assert not db.exists() or sqlite3.connect(db).execute("SELECT count(*) FROM sqlite_master WHERE name = 'users'").fetchone()[0] == 0
    else:
        server.start()  # the replacement is a database; it is used as it is, with no demo data added to it
        users = {row[0] for row in sqlite3.connect(db).execute("SELECT username FROM users")}
        assert "dispatcher" not in users and "disp" in users
        assert server.login("disp").get(f"/api/v1/work-orders/{kept['id']}").status_code == 404
