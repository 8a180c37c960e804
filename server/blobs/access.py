"""Who may read a blob: users who may see an order it is attached to (photo, sign-off or consent signature),
or its uploader while it is attached nowhere. Staff of the order's site get the original bytes, others a copy without EXIF.
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

# The orders naming a blob; the consent clause matches the partial expression index of 0002_evidence.sql.
_ORDERS_OF_BLOB = """
SELECT * FROM work_orders WHERE id IN (
    SELECT work_order_id FROM photos WHERE sha256 = :sha
    UNION SELECT work_order_id FROM signatures WHERE signature_sha256 = :sha
    UNION SELECT work_order_id FROM wo_events
          WHERE name = 'confirm_scope' AND json_extract(data, '$.consent.signature_sha256') = :sha)
"""

Version = Literal["original", "without_metadata"]


def readable_blob(tx: Tx, actor: Actor, sha256: str) -> tuple[dict[str, Any], Version]:
    """The blob row and which version `actor` is served; 404 when it is not stored or not theirs to see."""
    blob = tx.one("SELECT * FROM blobs WHERE sha256 = ?", (sha256,))
    if blob is None:
        raise NotFound(f"no blob {sha256}", code="blob_not_found")
    orders = tx.query(_ORDERS_OF_BLOB, {"sha": sha256})
    if not orders:
        if blob["uploaded_by"] == actor.id or actor.is_admin:
            return blob, "original"
        raise NotFound(f"no blob {sha256}", code="blob_not_found")
    visible = [wo for wo in orders if can_see_order(actor, wo)]
    if not visible:
        raise NotFound(f"no blob {sha256}", code="blob_not_found")
    staff = actor.role in FIELD_ROLES and any(actor.has_site(wo["site_id"]) for wo in visible)
    return blob, "original" if staff else "without_metadata"


def record_blob(tx: Tx, landed: Landed, uploaded_by: str) -> bool:
    """Catalogue a stored blob; True when it is new (idempotent: a second upload of the same bytes changes nothing)."""
    return tx.execute(
        "INSERT OR IGNORE INTO blobs (sha256, size, media_type, width, height, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (landed.sha256, landed.size, landed.media_type, landed.width, landed.height, uploaded_by, now_text())) == 1
