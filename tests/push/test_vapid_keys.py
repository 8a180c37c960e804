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


def test_instances_sharing_a_database_sign_with_one_key_whatever_their_data_directories(tmp_path):
    from server.push import shared_vapid
    from server.store import open_store

    store = open_store(str(tmp_path / "fieldops.db"))
    try:
        first = application_server_key(shared_vapid(store, tmp_path / "host-a"))
        assert application_server_key(shared_vapid(store, tmp_path / "host-b")) == first
        assert not (tmp_path / "host-a").exists()  # the secret lives in the database, not on one host's disk
    finally:
        store.close()


def test_an_installation_that_kept_its_key_in_the_data_directory_keeps_that_key(tmp_path):
    from server.push import shared_vapid
    from server.store import open_store

    before = application_server_key(load_or_create_vapid(tmp_path / "var"))  # subscriptions were bound to this one
    store = open_store(str(tmp_path / "var" / "fieldops.db"))
    try:
        assert application_server_key(shared_vapid(store, tmp_path / "var")) == before
        assert application_server_key(shared_vapid(store, tmp_path / "elsewhere")) == before
    finally:
        store.close()
