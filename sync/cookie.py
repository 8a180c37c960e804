"""The pull cookie: the server's change-log version and rejection sequence a client has seen, plus the
scope (role, sites) it was computed for. Opaque to clients (base64url JSON); never a device clock.

Tampering gains nothing: every put is filtered by the caller's current visibility, not by the cookie.
"""

from __future__ import annotations

import base64
import binascii

import msgspec

from server.domain.actor import Actor
from server.errors import Invalid


class Cookie(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    v: int  # changes.version seen
    r: int  # sync_rejections.seq seen
    u: str  # the user it was made for
    role: str
    sites: tuple[str, ...]

    def same_scope(self, actor: Actor) -> bool:
        return self.role == actor.role and frozenset(self.sites) == actor.site_ids


_decoder = msgspec.json.Decoder(Cookie)


def encode_cookie(version: int, rejection_seq: int, actor: Actor) -> str:
    body = msgspec.json.encode(Cookie(version, rejection_seq, actor.id, actor.role, tuple(sorted(actor.site_ids))))
    return base64.urlsafe_b64encode(body).decode("ascii").rstrip("=")


def decode_cookie(text: str, actor: Actor, current_version: int) -> Cookie:
    """The cookie a client sent; 422 `invalid_cookie` (pull again with null) if it is not one of ours for this user."""
    try:
        cookie = _decoder.decode(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise Invalid("the cookie is not one this server made; pull with cookie null", code="invalid_cookie") from None
    if cookie.u != actor.id:
        raise Invalid("the cookie belongs to another user; pull with cookie null", code="invalid_cookie")
    if cookie.v > current_version:
        # The database went back in time (restored from a backup): the client must start over.
        raise Invalid("the cookie is newer than this server's data; pull with cookie null", code="invalid_cookie")
    return cookie
