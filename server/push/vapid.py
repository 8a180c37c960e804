"""The VAPID key pair (RFC 8292): made on first use, kept in the data directory, loaded afterwards.

Browsers bind every subscription to this key, so losing or rotating it silently orphans them all.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

VAPID_KEY_FILENAME = "vapid_private.pem"

_create_lock = threading.Lock()


def load_or_create_vapid(data_dir: Path | str) -> Vapid02:
    """The server's VAPID signer from `data_dir`, generating and storing the key on first use."""
    key_path = Path(data_dir) / VAPID_KEY_FILENAME
    with _create_lock:
        if not key_path.exists():
            _write_new_key(key_path)
    return Vapid02.from_pem(key_path.read_bytes())


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
