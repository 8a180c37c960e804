"""The VAPID key pair (RFC 8292): made on first use, kept in the database (shared by every instance), loaded afterwards.

Browsers bind every subscription to this key, so losing or rotating it silently orphans them all; an installation
that kept it in its data directory (before several instances) has that key moved into the database at start.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

from server.clock import now_text

VAPID_KEY_FILENAME = "vapid_private.pem"
SECRET_NAME = "vapid_private_pem"

_create_lock = threading.Lock()


def load_or_create_vapid(data_dir: Path | str) -> Vapid02:
    """The server's VAPID signer from `data_dir`, generating and storing the key on first use."""
    key_path = Path(data_dir) / VAPID_KEY_FILENAME
    with _create_lock:
        if not key_path.exists():
            _write_new_key(key_path)
    return Vapid02.from_pem(key_path.read_bytes())


def shared_vapid(store: Any, data_dir: Path | str) -> Vapid02:
    """The installation's VAPID signer from the database. The first instance to start stores one: the key file of
    its data directory when there is one (subscriptions made before are bound to it), else a new key. Instances
    starting together agree, since only the first insert counts and everyone reads back what was stored."""
    found = store.read(lambda tx: tx.one("SELECT value FROM installation_secrets WHERE name = ?", (SECRET_NAME,)))
    if found is None:
        key_path = Path(data_dir) / VAPID_KEY_FILENAME
        if key_path.exists():
            pem = key_path.read_bytes()
        else:
            fresh = Vapid02()
            fresh.generate_keys()
            pem = fresh.private_pem()

        def keep(tx: Any) -> dict[str, Any]:
            tx.execute("INSERT INTO installation_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                       (SECRET_NAME, pem.decode("ascii"), now_text()))
            return tx.one("SELECT value FROM installation_secrets WHERE name = ?", (SECRET_NAME,))

        found = store.write(keep)
    return Vapid02.from_pem(found["value"].encode("ascii"))


def application_server_key(vapid: Vapid02) -> str:
    """The public key for `PushManager.subscribe()`: the uncompressed P-256 point, base64url, unpadded."""
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode("ascii")


def _write_new_key(key_path: Path) -> None:
    # Written to a 0600 temporary file in the same directory and renamed into place, so a crash
    # never leaves a half-written key and the key is never readable by others, not even briefly.
    key_path.parent.mkdir(parents=True, exist_ok=True)
    vapid = Vapid02()
    vapid.generate_keys()
    pem = vapid.private_pem()
    fd, tmp_name = tempfile.mkstemp(prefix=".vapid-", dir=key_path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(pem)
            tmp.flush()
            os.fsync(tmp.fileno())
        # link() refuses to replace: if another process created the key meanwhile, theirs wins
        # and both processes sign with the same key.
        try:
            os.link(tmp_name, key_path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp_name)
    dir_fd = os.open(key_path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
