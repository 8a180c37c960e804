"""Shared fixtures: a world of sites and users in a real SQLite file, a live server over real HTTP,
and a real Mosquitto (tests/mqtt_broker.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests import backend
from tests.live_server import ApiClient, LiveServer
from tests.mqtt_broker import mosquitto_broker  # noqa: F401  (pytest fixture)
from tests.object_store import object_store  # noqa: F401  (pytest fixture)
from tests.reports.history import History
from tests.sensor_fixtures import alarm_server, publisher, push_service  # noqa: F401  (pytest fixtures)
from tests.world import World, build_world


@pytest.fixture(scope="session", autouse=True)
def test_databases() -> Iterator[None]:
    """The PostgreSQL databases this process made are dropped at the end."""
    yield
    backend.drop_all()


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fieldops")


@pytest.fixture(scope="module")
def world(world_dir: Path) -> World:
    return build_world(str(world_dir / "fieldops.db"))


@pytest.fixture(scope="module")
def history(world_dir: Path, world: World) -> Iterator[History]:
    """A History writer on the module's world database (beside the live server, as a second connection):
    orders back-dated step by step, for the reports and the complaints' call-back queue."""
    writer = History(str(world_dir / "fieldops.db"))
    yield writer
    writer.close()


@pytest.fixture(scope="module")
def live(world_dir: Path, world: World) -> Iterator[LiveServer]:
    server = LiveServer(world_dir).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def as_user(live: LiveServer) -> Callable[[str], ApiClient]:
    """Logged-in clients by username, one per user per module (logins are slow on purpose)."""
    clients: dict[str, ApiClient] = {}

    def get(username: str) -> ApiClient:
        if username not in clients:
            clients[username] = live.login(username)
        return clients[username]

    yield get
    for c in clients.values():
        c.close()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """A fresh server of one's own (its own database), for tests that restart, kill or throttle it."""
    started: list[LiveServer] = []

    def start(env: dict[str, str] | None = None, data_dir: Path | None = None) -> LiveServer:
        directory = data_dir or tmp_path
        if not backend.exists(directory / "fieldops.db"):
            build_world(str(directory / "fieldops.db"))
        server = LiveServer(directory, env).start()
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()
