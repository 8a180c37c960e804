"""Logged-in clients for servers a test starts itself (start_server)."""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from tests.live_server import ApiClient, LiveServer


@pytest.fixture
def as_user_of() -> Iterator[Callable[[LiveServer, str], ApiClient]]:
    clients: list[ApiClient] = []

    def login(server: LiveServer, username: str) -> ApiClient:
        client = server.login(username)
        clients.append(client)
        return client

    yield login
    for client in clients:
        client.close()
