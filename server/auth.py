"""Accounts: argon2 password hashes, opaque bearer tokens stored only as hashes, and bounded credentials at login
(the throttle in front of it is server/login_throttle.py).

A token lives `token_ttl_s` (a shift offline plus the next morning's sync); logout or disabling a user revokes it.
A token's user is kept in memory for TOKEN_CACHE_S, so a request costs no read: forgotten at once when sessions change
in this process (logout, role/site change, password reset, deactivation), and within TOKEN_CACHE_S for another's.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.clock import now, now_text, parse_rfc3339, to_rfc3339
from server.domain.actor import ROLES, Actor
from server.errors import Invalid, Unauthorized
from server.ids import check_slug, new_id
from server.login_throttle import LoginThrottle
from server.store import Store, Tx

# argon2id with the library's RFC 9106 "low memory" profile: ~50 ms and 64 MiB per hash on this class of machine.
_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# Usernames are slugs of at most 64 characters (check_slug); a password past 1024 characters is nobody's. Both are
# checked before anything is looked up, hashed or counted, so a megabyte "username" costs a 422 and nothing kept.
USERNAME_MAX = 64
PASSWORD_MAX = 1024
# How long a looked-up token's user is trusted without reading the database again. Revocations made by this process
# reach the cache at once (the sessions generation); one made by another instance or the CLI is seen within this, as
# open event streams already see them within SESSION_RECHECK_S. Short enough that nobody acts long on a stale role.
TOKEN_CACHE_S = 2.0
# Tokens remembered at most (one per active device is a few hundred bytes); past it the oldest are forgotten.
TOKEN_CACHE_MAX = 20_000

__all__ = ["LoginThrottle", "Session", "add_user", "check_password", "hash_password", "load_actor", "token_digest"]


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise Invalid("a password needs at least 8 characters", code="weak_password")
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"a password may have at most {PASSWORD_MAX} characters", code="password_too_long")
    return _hasher.hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(tx: Tx, username: str, password: str, role: str, site_ids: list[str], name: str | None = None) -> str:
    check_slug(username, "username")
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}", code="invalid_role")
    if tx.one("SELECT 1 AS x FROM users WHERE username = ?", (username,)):
        raise Invalid(f"user {username} exists", code="duplicate_username")
    for site in site_ids:
        if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (site,)) is None:
            raise Invalid(f"no site {site}", code="site_not_found")
    user_id = new_id()
    tx.insert("users", {"id": user_id, "username": username, "name": name or username, "role": role,
                        "password_hash": hash_password(password), "active": 1, "created_at": now_text()})
    for site in site_ids:
        tx.insert("user_sites", {"user_id": user_id, "site_id": site})
    from server.domain.changes import touch

    touch(tx, "user", user_id)
    return user_id


def load_actor(tx: Tx, user_id: str) -> Actor | None:
    user = tx.one("SELECT id, name, role, active FROM users WHERE id = ?", (user_id,))
    if user is None or not user["active"]:
        return None
    sites = frozenset(r["site_id"] for r in tx.query("SELECT site_id FROM user_sites WHERE user_id = ?", (user_id,)))
    return Actor(user["id"], user["name"], user["role"], sites)


class Session:
    """Login, token lookup and logout over a store."""

    def __init__(self, store: Store, token_ttl_s: int, throttle: LoginThrottle) -> None:
        self.store, self.token_ttl_s, self.throttle = store, token_ttl_s, throttle
        self.on_revoked: Callable[[], None] = lambda: None
        """Called after a token is revoked here, so open event streams recheck theirs at once."""
        self.generation: Callable[[], int] = lambda: 0
        """This process's sessions generation (LiveFeed.sessions_generation): a cached token older than it is read again."""
        # token digest -> (actor, monotonic time it is trusted until, generation when cached); oldest first
        self._cache: dict[str, tuple[Actor, float, int]] = {}

    def login(self, username: str, password: str, address: str) -> tuple[str, Actor]:
        if len(username) > USERNAME_MAX or len(password) > PASSWORD_MAX:
            raise Invalid(f"a username has at most {USERNAME_MAX} characters and a password at most {PASSWORD_MAX}",
                          code="credentials_too_long")
        self.throttle.check(username, address)
        user = self.store.read(lambda tx: tx.one("SELECT id, password_hash, active FROM users WHERE username = ?", (username,)))
        ok = check_password(user["password_hash"] if user else _DUMMY_HASH, password)
        if not (user and ok and user["active"]):
            self.throttle.failed(username, address)
            raise Unauthorized("wrong username or password", code="bad_credentials")
        self.throttle.succeeded(username, address)
        token = secrets.token_urlsafe(32)
        issued = now()

        def save(tx: Tx) -> Actor | None:
            tx.insert("tokens", {"token_hash": token_digest(token), "user_id": user["id"], "created_at": to_rfc3339(issued),
                                 "expires_at": to_rfc3339(issued + timedelta(seconds=self.token_ttl_s)), "revoked_at": None})
            return load_actor(tx, user["id"])

        actor = self.store.write(save)
        assert actor is not None
        return token, actor

    def actor_for(self, token: str) -> Actor:
        digest = token_digest(token)
        generation = self.generation()
        cached = self._cache.get(digest)
        if cached is not None and cached[2] == generation and time.monotonic() < cached[1]:
            return cached[0]

        def find(tx: Tx) -> tuple[Actor, str] | None:
            row = tx.one("SELECT user_id, expires_at, revoked_at FROM tokens WHERE token_hash = ?", (digest,))
            if row is None or row["revoked_at"] or row["expires_at"] <= now_text():
                return None
            actor = load_actor(tx, row["user_id"])
            return None if actor is None else (actor, row["expires_at"])

        found = self.store.read(find)
        if found is None:
            self._cache.pop(digest, None)
            raise Unauthorized("the token is missing, expired or revoked; log in again", code="invalid_token")
        self._remember(digest, found[0], found[1], generation)
        return found[0]

    def _remember(self, digest: str, actor: Actor, expires_at: str, generation: int) -> None:
        # `generation` was taken before the read: a revocation during it bumped it, so this entry is stale already.
        self._cache.pop(digest, None)  # re-inserted last: the dict stays oldest first
        # Trusted until the cache's lifetime ends or the token expires, whichever comes first, on the monotonic clock
        # (a hit then costs one comparison, no formatted time).
        expires_in = (parse_rfc3339(expires_at) - now()).total_seconds()
        self._cache[digest] = (actor, time.monotonic() + min(TOKEN_CACHE_S, expires_in), generation)
        while len(self._cache) > TOKEN_CACHE_MAX:
            try:
                del self._cache[next(iter(self._cache))]
            except (StopIteration, KeyError, RuntimeError):  # another thread emptied or changed it meanwhile
                break

    def logout(self, token: str) -> None:
        self._cache.pop(token_digest(token), None)
        try:
            self.store.write(lambda tx: tx.execute("UPDATE tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL", (now_text(), token_digest(token))))
        finally:
            self._cache.pop(token_digest(token), None)  # a request that read it meanwhile may have cached it again
            self.on_revoked()
