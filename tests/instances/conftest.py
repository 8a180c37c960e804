"""Two `fieldops serve` processes on one database (the suite's backend: one PostgreSQL database, or on SQLite one
file in one data directory), one Mosquitto and one push service: the fixture the several-instances tests share."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.backend import connect
from tests.sensor_fixtures import wait_for

SHARE_GROUP = "fieldops"


class Pair:
    """Instances `a` and `b` of one installation; `start(name)` (re)starts one with its own client id."""

    def __init__(self, start_server, broker, push_service, data_dir: Path, env: dict[str, str]) -> None:
        self._start, self.data_dir = start_server, data_dir
        self.env = {"FIELDOPS_MQTT_URL": broker.url("fieldops"), "FIELDOPS_PUSH_INSECURE_HOSTS": push_service.host,
                    "FIELDOPS_MQTT_SHARE_GROUP": SHARE_GROUP, "FIELDOPS_CLAIM_LEASE_S": "2", **env}
        self.servers: dict = {}

    def start(self, name: str, **env: str):
        server = self.servers.get(name)
        if server is None:
            server = self.servers[name] = self._start(env={**self.env, "FIELDOPS_MQTT_CLIENT_ID": f"fieldops-{name}", **env}, data_dir=self.data_dir)
        else:
            server.start()
        wait_for(lambda: server.health()["mqtt"] == "connected", timeout=20, what=f"instance {name} connected")
        return server

    def db(self):  # type: ignore[no-untyped-def]
        conn = connect(self.data_dir / "fieldops.db", timeout=10)
        conn.row_factory = sqlite3.Row
        return conn


@pytest.fixture
def pair(start_server, mosquitto_broker, push_service, tmp_path):
    def make(**env: str) -> Pair:
        return Pair(start_server, mosquitto_broker, push_service, tmp_path, env)

    return make
