"""The pull cookie: the server's change-log version and rejection sequence a client has seen, plus the
scope (role, sites) it was computed for. Opaque to clients: base64url JSON and an HMAC; never a device clock.

The scope is trusted (a changed scope sends deletes for what the old one showed), so a cookie is signed with a
per-database secret (`server_secrets`, made by migration 0008): an edited or forged one is 422 `invalid_cookie`
and the client starts again with a full pull.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

import msgspec

from server.domain.actor import Actor
from server.errors import Invalid
from server.store import Tx

# 128 bits of HMAC-SHA256: forging one is as hard as guessing a random 128-bit value, and the cookie stays short.
MAC_BYTES = 16


class Cookie(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    v: int  # changes.version seen
    r: int  # sync_rejections.seq seen
    u: str  # the user it was made for
    role: str
    sites: tuple[str, ...]

    def same_scope(self, actor: Actor) -> bool:
        return self.role == actor.role and frozenset(self.sites) == actor.site_ids


_decoder = msgspec.json.Decoder(Cookie)


def cookie_key(tx: Tx) -> bytes:
    row = tx.one("SELECT value FROM server_secrets WHERE name = 'pull_cookie'")
    assert row is not None, "migration 0008 makes the pull cookie key"
    return bytes.fromhex(row["value"])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]


def encode_cookie(key: bytes, version: int, rejection_seq: int, actor: Actor) -> str:
    body = msgspec.json.encode(Cookie(version, rejection_seq, actor.id, actor.role, tuple(sorted(actor.site_ids))))
    return f"{_b64(body)}.{_b64(_mac(key, body))}"


def decode_cookie(key: bytes, text: str, actor: Actor, current_version: int) -> Cookie:
    """The cookie a client sent; 422 `invalid_cookie` (pull again with null) if it is not one of ours for this user."""
    refused = Invalid("the cookie is not one this server made; pull with cookie null", code="invalid_cookie")
    body_text, dot, mac_text = text.partition(".")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (binascii.Error, ValueError):
        raise refused from None
    if not dot or not hmac.compare_digest(mac, _mac(key, body)):
        raise refused
    try:
        cookie = _decoder.decode(body)
    except msgspec.DecodeError:
        raise refused from None
    if cookie.u != actor.id:
        raise Invalid("the cookie belongs to another user; pull with cookie null", code="invalid_cookie")
    if cookie.v > current_version:
        # The database went back in time (restored from a backup): the client must start over.
        raise Invalid("the cookie is newer than this server's data; pull with cookie null", code="invalid_cookie")
    return cookie
