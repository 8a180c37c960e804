"""VAPID keys are made once, kept private in the data directory, and the same after a restart."""

from __future__ import annotations

import base64
import stat

from server.push import application_server_key, load_or_create_vapid
from server.push.vapid import VAPID_KEY_FILENAME


def test_the_key_is_created_on_first_start_with_owner_only_permissions(tmp_path):
    data_dir = tmp_path / "var"
    load_or_create_vapid(data_dir)
    key_file = data_dir / VAPID_KEY_FILENAME
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir()] == [VAPID_KEY_FILENAME]  # no temporary file left


def test_a_restart_loads_the_same_key(tmp_path):
    first = application_server_key(load_or_create_vapid(tmp_path))
    second = application_server_key(load_or_create_vapid(tmp_path))
    assert first == second


def test_the_public_key_is_an_unpadded_base64url_uncompressed_p256_point(tmp_path):
    public_key = application_server_key(load_or_create_vapid(tmp_path))
    assert "=" not in public_key and "+" not in public_key and "/" not in public_key
    point = base64.urlsafe_b64decode(public_key + "=" * (-len(public_key) % 4))
    assert len(point) == 65 and point[0] == 0x04


def test_separate_data_directories_get_separate_keys(tmp_path):
    assert application_server_key(load_or_create_vapid(tmp_path / "a")) != application_server_key(
        load_or_create_vapid(tmp_path / "b")
    )
