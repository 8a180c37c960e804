"""The commands on PostgreSQL (FIELDOPS_DATABASE_URL): `site/user add`, `report`, `purge`, and `backup`/`restore`
through pg_dump/pg_restore into another database, with the restored data whole. Runs on both passes: CI has
PostgreSQL either way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from server.domain.audit import verify_chain
from server.store import open_store
from tests.backend import postgres_location
from tests.live_server import new_order_args
from tests.world import PASSWORD

FIELDOPS = str(Path(sys.executable).parent / "fieldops")


def fieldops(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"FIELDOPS_DATA_DIR": str(data_dir), "FIELDOPS_DATABASE_URL": url, "PATH": str(Path(sys.executable).parent)}
    return subprocess.run([FIELDOPS, *args], env=env, capture_output=True, text=True, timeout=120)


def test_every_command_works_on_postgresql_and_a_backup_restores_into_another_database(tmp_path: Path) -> None:
    from server.domain.actor import SYSTEM
    from server.domain.registry import apply_mutation
    from server.clock import now

    url = postgres_location(tmp_path / "live" / "fieldops.db")
    data = tmp_path / "live"
    assert fieldops(data, url, "site", "add", "north", "--name", "North Court").returncode == 0
    made = fieldops(data, url, "user", "add", "disp", "--password", PASSWORD, "--role", "dispatcher", "--site", "north")
    assert made.returncode == 0, made.stderr
    device = fieldops(data, url, "device", "add", "leak-1", "--site", "north", "--zone", "B1", "--kind", "water_leak", "--source", "native")
    assert device.returncode == 0, device.stderr
    store = open_store(url)
    try:
        order = new_order_args()
        store.write(lambda tx: apply_mutation(tx, SYSTEM, "create_work_order", order, now()))
    finally:
        store.close()
    month = now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")  # FIELDOPS_COMPANY_TZ's default
    report = fieldops(data, url, "report", "--month", month)
    assert report.returncode == 0 and json.loads(report.stdout)["counts"]["total"] >= 1, report.stderr
    assert fieldops(data, url, "purge").returncode == 0

    done = fieldops(data, url, "backup", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["backend"] == "postgresql" and (tmp_path / "backup" / manifest["database"]).stat().st_size > 0

    other = postgres_location(tmp_path / "restored" / "fieldops.db")
    restored = fieldops(tmp_path / "restored", other, "restore", str(tmp_path / "backup"))
    assert restored.returncode == 0, restored.stderr
    again = fieldops(tmp_path / "restored", other, "restore", str(tmp_path / "backup"))
    assert again.returncode != 0 and "database_exists" in again.stderr
    store = open_store(other)
    try:
        assert store.read(lambda tx: tx.one("SELECT role FROM users WHERE username = ?", ("disp",))["role"]) == "dispatcher"
        assert store.read(lambda tx: tx.one("SELECT zone FROM devices WHERE id = ?", ("leak-1",))["zone"]) == "B1"
        assert store.read(lambda tx: verify_chain(tx, order["id"])).valid
    finally:
        store.close()
    sqlite_side = fieldops(tmp_path / "elsewhere", "", "restore", str(tmp_path / "backup"))
    assert sqlite_side.returncode != 0 and "backup_backend_mismatch" in sqlite_side.stderr
