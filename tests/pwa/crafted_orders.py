"""Orders walked through the procedure by real sync pushes with past `client_ts`, so each step happened
when a test says: the office's device records and dispatches, the technician's device does the rest."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from server.clock import now, to_rfc3339
from server.domain.audit import canonical
from tests.live_server import LiveServer, new_order_args
from tests.sync.device import Device


def ago(seconds: float) -> str:
    return to_rfc3339(now() - timedelta(seconds=seconds))


class Walk:
    """Orders taken through the procedure by the office's and the technician's devices, each step at a chosen past time."""

    def __init__(self, live: LiveServer) -> None:
        self.office = Device(live.login("disp"))
        self.tech_client = live.login("tech")
        self.tech = Device(self.tech_client)
        self.tech_id = self.tech_client.user["id"]

    def order(self, title: str, steps: list[tuple[str, float]], **create: Any) -> str:
        """`steps`: (step, seconds ago) from `create` on, in procedure order."""
        args = new_order_args("north", title=title, **create)
        oid = args["id"]
        photo = secrets.token_hex(32)
        for name, seconds in steps:
            at = ago(seconds)
            if name == "create":
                self.office.do("create_work_order", at, **args)
            elif name == "dispatch":
                self.office.do("dispatch", at, work_order_id=oid, technician_id=self.tech_id)
                self.office.sync_up()
            elif name in ("accept", "arrive"):
                self.tech.do(name, at, work_order_id=oid)
            elif name == "confirm_scope":
                self.tech.do(name, at, work_order_id=oid, scope="Replace the washer", labor_fee=0, material_fee=0, customer_name="Ms Wang")
            elif name == "cleanup_photo":
                self.tech.do("attach_photo", at, work_order_id=oid, sha256=photo, kind="cleanup", taken_at=at)
            elif name == "complete":
                self.tech.do(name, at, work_order_id=oid, summary="Washer replaced, floor wiped")
            elif name == "sign_off":
                document = {"work_order_id": oid, "site_id": "north", "unit": args["unit"], "title": title, "scope": "Replace the washer",
                            "labor_fee": 0, "material_fee": 0, "summary": "Washer replaced, floor wiped", "photos": [photo]}
                self.tech.do(name, at, work_order_id=oid, signer_name="Ms Wang", signature_sha256=secrets.token_hex(32), accepted=True,
                             document_sha256=hashlib.sha256(canonical(document)).hexdigest(), signed_at=at)
        self.office.sync_up()
        self.tech.sync_up()
        return oid
