"""The full integrity check of a work order's evidence: the signed document and audit chain (domain), plus the
stored bytes of every photo and signature, re-hashed from disk, so a swapped file is caught too.
"""

from __future__ import annotations

import hashlib
from typing import Any

from server.blobs.access import HELD
from server.blobs.store import BlobStore
from server.domain.actor import Actor
from server.domain.signoff import verify_order
from server.store import Tx


def file_matches(store: BlobStore, sha256: str) -> bool | None:
    """True/False whether the stored bytes (in the object store when there is one) still hash to their name;
    None when they never arrived."""
    chunks = store.stored_chunks(sha256)
    if chunks is None:
        return None
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest() == sha256


def evidence_to_verify(tx: Tx, actor: Actor, work_order_id: str) -> tuple[dict[str, Any], list[str]]:
    """The domain's check of the order (document hash, audit chain) and the evidence blobs stored for it."""
    check = verify_order(tx, actor, work_order_id)
    # Only held references (server/blobs/access.py): a hash someone merely named is not this order's evidence to check.
    named = [r["sha256"] for r in tx.query(
        f"SELECT p.sha256 FROM photos p WHERE p.work_order_id = ? AND {HELD.format(sha='p.sha256', who='p.added_by')} ORDER BY p.sha256",
        (work_order_id,))]
    named += [r["signature_sha256"] for r in tx.query(
        "SELECT DISTINCT s.signature_sha256 FROM signatures s WHERE s.work_order_id = ? AND s.signature_sha256 <> ''"
        f" AND {HELD.format(sha='s.signature_sha256', who='s.actor_id')}", (work_order_id,))]
    known = {r["sha256"] for r in tx.query(f"SELECT sha256 FROM blobs WHERE sha256 IN ({','.join('?' * len(named))})", named)} if named else set()
    return check, [s for s in named if s in known]


def verify_evidence(evidence: tuple[dict[str, Any], list[str]], store: BlobStore) -> dict[str, Any]:
    """`evidence_to_verify`'s check completed with the stored bytes, re-hashed (outside the read: files take their time)."""
    check, stored = evidence
    damaged = [sha for sha in stored if file_matches(store, sha) is not True]
    check["blobs"] = {"checked": len(stored), "damaged": damaged}
    if damaged:
        check["problems"] = [*check["problems"], *(f"the stored bytes of {sha} no longer hash to their name" for sha in damaged)]
        check["valid"] = False
    return check
