"""Steps shared by the evidence tests: bring an order to `completed` with real uploaded photos, and compute
the document hash the way a device does (CONTRACT.md "Sign-off")."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.evidence.photos import phone_photo, sha
from tests.live_server import ApiClient, new_order_args

CONSENT = "c0" * 32  # the customer's consent drawing: a blob that may arrive later


def upload(client: ApiClient, data: bytes) -> str:
    r = client.put(f"/api/v1/blobs/{sha(data)}", content=data, headers={"Content-Type": "application/octet-stream"})
    assert r.status_code in (200, 201), r.text
    return sha(data)


def completed_order(disp: ApiClient, tech: ApiClient, tech_id: str, site_id: str = "north", summary: str = "Cartridge replaced, no leak",
                    **order: Any) -> dict[str, Any]:
    args = new_order_args(site_id, **order)
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=tech_id)
    tech.ok("accept", work_order_id=args["id"])
    tech.ok("arrive", work_order_id=args["id"])
    tech.ok("confirm_scope", work_order_id=args["id"], scope="Replace tap cartridge", labor_fee=5000, material_fee=3500, customer_name="Ms Wang", consent_signature_sha256=CONSENT)
    photo = upload(tech, phone_photo(seed=args["id"].encode()))
    tech.ok("attach_photo", work_order_id=args["id"], sha256=photo, kind="cleanup", taken_at="2026-11-23T10:00:00Z")
    return tech.ok("complete", work_order_id=args["id"], summary=summary)


def document_hash(order: dict[str, Any]) -> str:
    document = {k: order[k] for k in ("site_id", "unit", "title", "scope", "labor_fee", "material_fee", "summary")}
    document["work_order_id"] = order["id"]
    document["photos"] = sorted(p["sha256"] for p in order["photos"])
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")).hexdigest()


def sign(tech: ApiClient, order: dict[str, Any], signature: str | None, accepted: bool = True, comment: str = "", document: str | None = None):
    return tech.mutate("sign_off", work_order_id=order["id"], signer_name="王女士", signature_sha256=signature, accepted=accepted,
                       comment=comment, document_sha256=document or document_hash(order), signed_at="2026-11-23T11:00:00Z")
