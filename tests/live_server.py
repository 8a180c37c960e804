"""A real FieldOps server for tests: `fieldops serve` in a subprocess on a free port, over a real SQLite file.

Tests talk to it over real HTTP (httpx) and may kill it (SIGKILL) to check durability.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.backend import server_env
from tests.world import PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiClient(httpx.Client):
    """An httpx client logged in as one user, with a helper per CONTRACT.md call."""

    user: dict[str, Any]

    def mutate(self, name: str, **args: Any) -> httpx.Response:
        return self.post(f"/api/v1/mutations/{name}", json=args)

    def ok(self, name: str, **args: Any) -> dict[str, Any]:
        r = self.mutate(name, **args)
        assert r.status_code == 200, (name, r.status_code, r.text)
        return r.json()

    def order(self, work_order_id: str) -> dict[str, Any]:
        r = self.get(f"/api/v1/work-orders/{work_order_id}")
        assert r.status_code == 200, r.text
        return r.json()


class LiveServer:
    def __init__(self, data_dir: Path, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "FIELDOPS_DATA_DIR": str(data_dir), "FIELDOPS_PORT": str(self.port),
                    "FIELDOPS_HOST": "127.0.0.1", "FIELDOPS_MQTT_URL": "off", "FIELDOPS_DEMO": "0", **server_env(data_dir), **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        Path(data_dir).mkdir(parents=True, exist_ok=True)  # on PostgreSQL no database file makes the directory
        self.log_path = data_dir / f"server-{self.port}.log"
        self._clients: list[httpx.Client] = []  # closed at stop(), so tests need not close what they open

    def start(self, timeout_s: float = 60.0) -> "LiveServer":
        with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.proc.kill()  # not left running behind a failed fixture (nobody would stop it)
        self.proc.wait()
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def command(self) -> list[str]:
        """What runs the server (`fieldops serve`); a benchmark's server with an extra route says its own."""
        return [sys.executable, "-m", "server.cli", "serve"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """Power-cut style: SIGKILL, no shutdown hooks."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def anonymous(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=30)
        self._clients.append(client)
        return client

    def health(self) -> dict[str, Any]:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            return client.get("/health").json()

    def login(self, username: str, password: str = PASSWORD) -> ApiClient:
        client = ApiClient(base_url=self.url, timeout=30)
        self._clients.append(client)
        r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        body = r.json()
        client.headers["Authorization"] = f"Bearer {body['token']}"
        client.user = body["user"]
        return client


def new_order_args(site_id: str = "north", **over: Any) -> dict[str, Any]:
    from server.ids import new_id

    args = {"id": new_id(), "site_id": site_id, "unit": "3-1201", "category": "repair", "priority": "normal",
            "title": "Kitchen tap leaking", "description": "drips all night", "reporter": {"name": "Ms Wang", "phone": "13800000000"}}
    args.update(over)
    return args


def unique(prefix: str = "x") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
