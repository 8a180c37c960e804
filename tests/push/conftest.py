"""Fixtures for the Web Push tests: a real local push service and a sender allowed to reach it.

The push service runs on 127.0.0.1, so the sender lists it in insecure hosts, as FIELDOPS_PUSH_INSECURE_HOSTS does.
"""

from __future__ import annotations

import pytest

from server.push import PushSender, load_or_create_vapid


@pytest.fixture
def vapid(tmp_path):
    return load_or_create_vapid(tmp_path / "var")


@pytest.fixture
def sender(vapid, push_service):
    sender = PushSender(vapid, contact="mailto:ops@fieldops.test", insecure_hosts=push_service.host, read_timeout_s=5.0)
    yield sender
    sender.close()
