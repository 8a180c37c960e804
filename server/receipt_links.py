"""A customer's link to their receipt: one order, read only, no account, until it expires or is revoked.

The token is 256 random bits; only its SHA-256 is stored (like login tokens), so a copy of the database
opens no receipt. Opening a link renders the receipt as the service centre would see it: it is the
customer's own order, with their own name on it.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from datetime import timedelta
from typing import Any

from server.clock import now, now_text, to_rfc3339
from server.domain.access import load_order
from server.domain.actor import Actor
from server.errors import Forbidden, NotFound
from server.store import Store, Tx

# Who may hand a customer a link: the service centre of the site, and the assigned technician.
LINK_ROLES = ("dispatcher", "supervisor", "admin", "technician")
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
PATH = "/r/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _linkable_order(tx: Any, actor: Actor, work_order_id: str) -> dict[str, Any]:
    """The order if `actor` may hand out or revoke its receipt links: its site's service centre or its technician."""
    if actor.role not in LINK_ROLES:
        raise Forbidden("only the service centre and the assigned technician handle receipt links", code="role_not_allowed")
    wo = load_order(tx, actor, work_order_id)
    if actor.role == "technician" and wo["assignee_id"] != actor.id:
        raise Forbidden("only the assigned technician may handle this receipt's links", code="not_assignee")
    return wo


def create_link(store: Store, actor: Actor, work_order_id: str, days: int, base_url: str) -> dict[str, str]:
    token = secrets.token_urlsafe(32)
    expires = to_rfc3339(now() + timedelta(days=days))

    def write(tx):  # type: ignore[no-untyped-def]
        wo = _linkable_order(tx, actor, work_order_id)
        tx.insert("receipt_links", {"token_hash": _hash(token), "work_order_id": wo["id"], "created_by": actor.id,
                                    "created_at": now_text(), "expires_at": expires, "revoked_at": None})

    store.write(write)
    url = f"{base_url.rstrip('/')}{PATH}{token}"
    return {"url": url, "expires_at": expires, "qr_svg": qr_svg(url)}


def qr_svg(url: str) -> str:
    """The link as a QR code, an SVG the app shows as an image: error correction M (a scratched screen still reads),
    4 modules of quiet zone, no fixed size (it scales to the box it is shown in)."""
    import segno  # on first use: a quarter second less at every start

    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=4,
                                                   dark="#000", light="#fff", title="QR")
    return out.getvalue().decode("ascii")


def revoke_links(store: Store, actor: Actor, work_order_id: str) -> int:
    """Revoke every open link to the order (a link sent to the wrong number); returns how many."""

    def write(tx):  # type: ignore[no-untyped-def]
        wo = _linkable_order(tx, actor, work_order_id)
        return tx.execute("UPDATE receipt_links SET revoked_at = ? WHERE work_order_id = ? AND revoked_at IS NULL",
                          (now_text(), wo["id"]))

    return store.write(write)


def link_reader(tx: Tx, token: str) -> tuple[Actor, str]:
    """The actor a valid link reads as (its order's service centre) and the order id; else 404, saying nothing more."""
    if not TOKEN.fullmatch(token):
        raise NotFound("no such receipt", code="receipt_not_found")
    row = tx.one(
        "SELECT l.work_order_id, l.expires_at, l.revoked_at, w.site_id FROM receipt_links l JOIN work_orders w ON w.id = l.work_order_id"
        " WHERE l.token_hash = ?", (_hash(token),))
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now_text():
        raise NotFound("no such receipt", code="receipt_not_found")
    return Actor(id="receipt-link", name="customer", role="dispatcher", site_ids=frozenset({row["site_id"]})), row["work_order_id"]
