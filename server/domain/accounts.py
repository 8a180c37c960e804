"""The admin's side of accounts and sites: add and rename sites, change a user's role, sites and name,
deactivate (which ends every token), and — outside the mutator registry — create and reset passwords.

Password-bearing writes are routes, not mutators, on purpose: a mutation may travel through an offline
outbox and, when refused, is kept with its arguments (sync_rejections); a password must never sit there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from server.auth import add_user, hash_password
from server.clock import now_text
from server.domain.directory import add_site
from server.domain.actor import ROLES, Actor
from server.domain.changes import touch
from server.domain.mutation import Ref, coded, mutator
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.ids import SLUG_PATTERN
from server.store import Tx

# Site ids and usernames appear in MQTT topics and URLs (server/ids.py check_slug).
Slug = Annotated[str, msgspec.Meta(pattern=coded(SLUG_PATTERN, "invalid_id"))]
Role = Literal[ROLES]  # type: ignore[valid-type]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]
# Only admins: the registry lets admins run every mutator, so an empty set of other roles.
ADMIN_ONLY: set[str] = set()


class SiteCreate(msgspec.Struct, forbid_unknown_fields=True):
    id: Slug
    name: Name


class SiteRename(msgspec.Struct, forbid_unknown_fields=True):
    site_id: str
    name: Name


class UserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    user_id: str
    role: Role | None = None
    site_ids: list[str] | None = None
    name: Name | None = None


class UserRef(msgspec.Struct, forbid_unknown_fields=True):
    user_id: str


class AccountCreate(msgspec.Struct, forbid_unknown_fields=True):
    username: str  # checked by add_user (invalid_id, 422), as the admin console expects
    password: Password
    role: Role
    site_ids: list[str] = []
    name: Name | None = None


class PasswordReset(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


class Account(msgspec.Struct, frozen=True):
    """A user as the admin sees them: never a password hash."""

    id: str
    username: str
    name: str
    role: str
    site_ids: list[str]
    active: bool
    created_at: str
    password_reset_at: str | None = None


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only admins manage users and sites", code="role_not_allowed")


def _load_user(tx: Tx, user_id: str) -> dict[str, Any]:
    user = tx.one("SELECT * FROM users WHERE id = ?", (user_id,))
    if user is None or user["id"] == "system":  # the sensors' own account is nobody's to edit
        raise NotFound(f"no user {user_id}", code="user_not_found")
    return user


def _check_sites(tx: Tx, site_ids: list[str]) -> list[str]:
    for site in site_ids:
        if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (site,)) is None:
            raise Invalid(f"no site {site}", code="site_not_found")
    return sorted(set(site_ids))


def revoke_tokens(tx: Tx, user_id: str) -> None:
    tx.execute("UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", (now_text(), user_id))


@mutator("add_site", SiteCreate, ADMIN_ONLY, answers="site")
def add_site_mutator(tx: Tx, actor: Actor, args: SiteCreate, occurred_at: datetime) -> Ref:
    """Add a site (its id appears in MQTT topics: A-Z a-z 0-9 _ -)."""
    add_site(tx, args.id, args.name.strip())
    return Ref("site", args.id)


@mutator("rename_site", SiteRename, ADMIN_ONLY, answers="site")
def rename_site(tx: Tx, actor: Actor, args: SiteRename, occurred_at: datetime) -> Ref:
    """Change a site's display name; its id (used in topics and on orders) stays."""
    if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (args.site_id,)) is None:
        raise NotFound(f"no site {args.site_id}", code="site_not_found")
    tx.execute("UPDATE sites SET name = ? WHERE id = ?", (args.name.strip(), args.site_id))
    touch(tx, "site", args.site_id)
    return Ref("site", args.site_id)


@mutator("update_user", UserUpdate, ADMIN_ONLY, answers="account")
def update_user(tx: Tx, actor: Actor, args: UserUpdate, occurred_at: datetime) -> Ref:
    """Change a user's role, sites or display name; takes effect on their next request."""
    user = _load_user(tx, args.user_id)
    if user["id"] == actor.id and args.role not in (None, "admin"):
        raise Conflict("an admin cannot take away their own admin role", code="own_role")
    changes: dict[str, Any] = {}
    if args.role is not None:
        changes["role"] = args.role
    if args.name is not None:
        changes["name"] = args.name.strip()
    if changes:
        tx.execute(f"UPDATE users SET {', '.join(f'{c} = ?' for c in changes)} WHERE id = ?", (*changes.values(), user["id"]))
    if args.site_ids is not None:
        sites = _check_sites(tx, args.site_ids)
        tx.execute("DELETE FROM user_sites WHERE user_id = ?", (user["id"],))
        for site in sites:
            tx.insert("user_sites", {"user_id": user["id"], "site_id": site})
    touch(tx, "user", user["id"])
    return Ref("account", user["id"])


@mutator("deactivate_user", UserRef, ADMIN_ONLY, answers="account")
def deactivate_user(tx: Tx, actor: Actor, args: UserRef, occurred_at: datetime) -> Ref:
    """Deactivate a user: they can no longer sign in and every token they hold stops working at once."""
    user = _load_user(tx, args.user_id)
    if user["id"] == actor.id:
        raise Conflict("an admin cannot deactivate their own account", code="own_account")
    tx.execute("UPDATE users SET active = 0 WHERE id = ?", (user["id"],))
    revoke_tokens(tx, user["id"])
    touch(tx, "user", user["id"])
    return Ref("account", user["id"])


@mutator("reactivate_user", UserRef, ADMIN_ONLY, answers="account")
def reactivate_user(tx: Tx, actor: Actor, args: UserRef, occurred_at: datetime) -> Ref:
    """Let a deactivated user sign in again (their old tokens stay revoked)."""
    user = _load_user(tx, args.user_id)
    tx.execute("UPDATE users SET active = 1 WHERE id = ?", (user["id"],))
    touch(tx, "user", user["id"])
    return Ref("account", user["id"])


def render_account(tx: Tx, user_id: str) -> dict[str, Any]:
    """An account as the admin sees it: no password hash, ever."""
    user = _load_user(tx, user_id)
    sites = sorted(r["site_id"] for r in tx.query("SELECT site_id FROM user_sites WHERE user_id = ?", (user_id,)))
    return {"id": user["id"], "username": user["username"], "name": user["name"], "role": user["role"],
            "site_ids": sites, "active": bool(user["active"]), "created_at": user["created_at"]}


def list_accounts(tx: Tx, actor: Actor) -> list[Account]:
    require_admin(actor)
    rows = [render_account(tx, r["id"]) for r in tx.query("SELECT id FROM users WHERE id != 'system' ORDER BY username")]
    return msgspec.convert(rows, list[Account])


def create_account(tx: Tx, actor: Actor, data: AccountCreate) -> Account:
    require_admin(actor)
    user_id = add_user(tx, data.username, data.password, data.role, _check_sites(tx, data.site_ids), data.name)
    return msgspec.convert(render_account(tx, user_id), Account)


def reset_password(tx: Tx, actor: Actor, user_id: str, data: PasswordReset) -> Account:
    """A new password; the user's sessions end, so whoever knew the old one is signed out too."""
    require_admin(actor)
    user = _load_user(tx, user_id)
    tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(data.password), user["id"]))
    revoke_tokens(tx, user["id"])
    return msgspec.convert({**render_account(tx, user["id"]), "password_reset_at": now_text()}, Account)
