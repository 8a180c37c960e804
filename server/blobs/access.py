"""Who may read a blob. Knowing a hash is not possession: naming a blob (attach_photo, sign_off, a consent
signature, a refused mutation kept by sync salvage) grants nothing unless the one who named it holds the bytes.

The rule: a blob is readable by everyone who uploaded its bytes (`blob_uploaders`; uploading proves possession),
and by those who may see an order to which one of its uploaders attached it (a photo they added, a sign-off or
consent they recorded). Before any such reference exists only its uploaders (and admin) read it. Staff of the
order's site get the original bytes, others who may see the order a copy without EXIF. A reference made by
someone else (a north dispatcher attaching garden's photo by its hash) stays pending for everyone, as if the
bytes never landed: it opens nothing, and the receipt and verify skip it too.
"""

from __future__ import annotations

from typing import Any, Literal

from server.blobs.store import Landed
from server.clock import now_text
from server.domain.access import can_see_order
from server.domain.actor import Actor
from server.errors import NotFound
from server.store import Tx

FIELD_ROLES = frozenset({"dispatcher", "supervisor", "admin", "technician", "guard"})

# A reference is held when its author is one of the blob's uploaders; `{sha}` and `{who}` are SQL expressions.
HELD = "EXISTS (SELECT 1 FROM blob_uploaders u WHERE u.sha256 = {sha} AND u.user_id = {who})"

# The orders naming a blob through a held reference; the consent clause matches the partial expression index of
# 0002_evidence.sql (`{consent}` is the store's JSON expression for the consent's signature).
_ORDERS_OF_BLOB = f"""
SELECT * FROM work_orders WHERE id IN (
    SELECT p.work_order_id FROM photos p WHERE p.sha256 = :sha AND {HELD.format(sha="p.sha256", who="p.added_by")}
    UNION SELECT s.work_order_id FROM signatures s
          WHERE s.signature_sha256 = :sha AND {HELD.format(sha="s.signature_sha256", who="s.actor_id")}
    UNION SELECT e.work_order_id FROM wo_events e
          WHERE e.name = 'confirm_scope' AND {{consent}} = :sha
            AND {HELD.format(sha=":sha", who="e.actor_id")})
"""

Version = Literal["original", "without_metadata"]


def readable_blob(tx: Tx, actor: Actor, sha256: str) -> tuple[dict[str, Any], Version]:
    """The blob row and which version `actor` is served; 404 when it is not stored or not theirs to see."""
    blob = tx.one("SELECT * FROM blobs WHERE sha256 = ?", (sha256,))
    if blob is None:
        raise NotFound(f"no blob {sha256}", code="blob_not_found")
    orders = tx.query(_ORDERS_OF_BLOB.format(consent=tx.json_text("e.data", "consent", "signature_sha256")), {"sha": sha256})
    if not orders:
        if actor.is_admin or holds(tx, actor.id, sha256):
            return blob, "original"
        raise NotFound(f"no blob {sha256}", code="blob_not_found")
    visible = [wo for wo in orders if can_see_order(actor, wo)]
    if not visible:
        raise NotFound(f"no blob {sha256}", code="blob_not_found")
    staff = actor.role in FIELD_ROLES and any(actor.has_site(wo["site_id"]) for wo in visible)
    return blob, "original" if staff else "without_metadata"


def holds(tx: Tx, user_id: str | None, sha256: str) -> bool:
    """Whether `user_id` uploaded these bytes (a reference they make to the blob grants access to it)."""
    return user_id is not None and tx.one("SELECT 1 AS x FROM blob_uploaders WHERE sha256 = ? AND user_id = ?", (sha256, user_id)) is not None


def record_blob(tx: Tx, landed: Landed, uploaded_by: str) -> bool:
    """Catalogue a stored blob and its uploader; True when the blob is new (a second upload of the same bytes adds
    only its uploader, who has proved they hold them)."""
    tx.execute("INSERT INTO blob_uploaders (sha256, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (landed.sha256, uploaded_by))
    return tx.execute(
        "INSERT INTO blobs (sha256, size, media_type, width, height, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (landed.sha256, landed.size, landed.media_type, landed.width, landed.height, uploaded_by, now_text())) == 1
