"""A sync client for tests: an offline device with its own (possibly wrong) clock and a mutation queue,
speaking CONTRACT.md's push and pull over real HTTP.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from server.clock import now, to_rfc3339
from tests import backend
from tests.live_server import ApiClient, unique


class Device:
    def __init__(self, client: ApiClient, clock_skew_s: float = 0.0, client_id: str | None = None) -> None:
        self.client = client
        self.client_id = client_id or unique("device")
        self.skew = timedelta(seconds=clock_skew_s)
        self.queue: list[dict[str, Any]] = []
        self.next_id = 1
        self.cookie: str | None = None
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}

    def clock(self) -> str:
        """What the device's own clock reads now."""
        return to_rfc3339(now() + self.skew)

    def do(self, name: str, client_ts: str | None = None, **args: Any) -> int:
        """Queue a mutation as the offline app does; returns its id."""
        mutation = {"id": self.next_id, "name": name, "args": args, "client_ts": client_ts or self.clock()}
        self.queue.append(mutation)
        self.next_id += 1
        return mutation["id"]

    def push(self, mutations: list[dict[str, Any]] | None = None, timeout: float = 60) -> httpx.Response:
        body = {"client_id": self.client_id, "client_time": self.clock(), "mutations": self.queue if mutations is None else mutations}
        return self.client.post("/api/v1/sync/push", json=body, timeout=timeout)

    def sync_up(self) -> int:
        r = self.push()
        assert r.status_code == 200, r.text
        last = r.json()["last_mutation_id"]
        self.queue = [m for m in self.queue if m["id"] > last]
        return last

    def pull(self) -> dict[str, Any]:
        r = self.client.post("/api/v1/sync/pull", json={"client_id": self.client_id, "cookie": self.cookie})
        assert r.status_code == 200, r.text
        body = r.json()
        self.cookie = body["cookie"]
        for op in body["patch"]:
            if op["op"] == "put":
                self.objects[(op["type"], op["id"])] = op["value"]
            else:
                self.objects.pop((op["type"], op["id"]), None)
        return body


def read_db(data_dir: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Look into a server's SQLite file read-only (the server may be running or dead)."""
    conn = backend.connect(data_dir / "fieldops.db", timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
