"""Fixtures for everything sensor-driven (alarm and browser tests): a real local push service, a live server
wired to the real Mosquitto and to it, and a sensor publisher. Registered for the whole suite in tests/conftest.py."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest

from tests.iot.mqtt_publisher import Publisher
from tests.push_endpoint import LocalPushService


@pytest.fixture
def push_service():
    with LocalPushService() as service:
        yield service


@pytest.fixture
def alarm_server(start_server, mosquitto_broker, push_service, tmp_path):
    """Start a server bridged to the broker; `env` overrides settings (e.g. the escalation delay)."""

    def start(**env: str):
        settings = {"FIELDOPS_MQTT_URL": mosquitto_broker.url("fieldops"), "FIELDOPS_PUSH_INSECURE_HOSTS": push_service.host,
                    "FIELDOPS_MQTT_CLIENT_ID": f"fieldops-{tmp_path.name}"[:60], **env}
        server = start_server(env=settings)
        wait_for(lambda: server.health()["mqtt"] == "connected", what="bridge connected")
        return server

    return start


@pytest.fixture
def publisher(mosquitto_broker):
    with Publisher(mosquitto_broker.url("tester"), client_id="sensor-sim") as p:
        yield p


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
