"""What a user is shown of a work order (CONTRACT.md shape), with customer details only where allowed.

Rendering reads the order's notes, photos, events and call-backs; `render_orders` is the single place,
and `mask_customer` the single mask (GET, lists and sync pulls all render here; the rule is access.may_see_customer).
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from server.clock import now
from server.domain.access import may_see_customer
from server.domain.actor import Actor
from server.domain.audit import load_events
from server.domain.sla import DEFAULT_TARGETS, sla_states
from server.domain.system_texts import decode_args
from server.store import Tx

# Keys that hold a customer's name or phone wherever they sit in a rendered order: the reporter, the consent,
# the signature, and audit event data (a refused step keeps its arguments under `args`, at any depth).
CUSTOMER_KEYS = frozenset({"customer_name", "signer_name", "reporter_name", "reporter_phone", "people_present"})
# Masked values stay strings (wire types never change); `customer_visible: false` on the order says they are hidden.
MASKED = ""
REDACTED = {"name": MASKED, "phone": MASKED}


# Related rows are fetched for this many orders per query: pulls render thousands of orders at once.
ID_BATCH = 500


def render_order(tx: Tx, actor: Actor, wo: dict[str, Any], targets: Mapping[str, Any] = DEFAULT_TARGETS, with_events: bool = True) -> dict[str, Any]:
    return render_orders(tx, actor, [wo], targets, with_events)[0]


def render_orders(tx: Tx, actor: Actor, rows: list[dict[str, Any]], targets: Mapping[str, Any] = DEFAULT_TARGETS,
                  with_events: bool = False) -> list[dict[str, Any]]:
    """Many orders with a handful of queries in all (not per order): lists and sync pulls."""
    related = _related(tx, [wo["id"] for wo in rows])
    moment = now()
    views = []
    for wo in rows:
        wid = wo["id"]
        photos, notes, call_backs, conflicts = (related[table].get(wid, []) for table in ("photos", "notes", "call_backs", "conflicts"))
        customer = may_see_customer(actor, wo)
        view: dict[str, Any] = {
            "id": wid, "site_id": wo["site_id"], "unit": wo["unit"], "category": wo["category"],
            "priority": wo["priority"], "status": wo["status"], "title": wo["title"], "description": wo["description"],
            # sensor-made orders: what the title and description say, as data the reader's app words (system_texts.py)
            "title_code": wo.get("title_code"), "title_args": decode_args(wo.get("title_args")),
            "description_code": wo.get("description_code"), "description_args": decode_args(wo.get("description_args")),
            "reporter": {"name": wo["reporter_name"], "phone": wo["reporter_phone"]}, "customer_visible": customer,
            "complaint_level": wo["complaint_level"], "rework_of": wo["rework_of"], "requested_at": wo["requested_at"],
            "assignee_id": wo["assignee_id"], "scope": wo["scope"], "labor_fee": wo["labor_fee"], "material_fee": wo["material_fee"],
            "consent": json.loads(wo["consent"]) if wo["consent"] else None, "summary": wo["summary"],
            "people_present": wo.get("people_present"),
            "photos": [{"sha256": p["sha256"], "kind": p["kind"], "taken_at": p["taken_at"], "pending": bool(p["pending"])} for p in photos],
            "notes": [{**n, "note_args": decode_args(n["note_args"])} for n in notes],
            "signature": _signature(tx, wid, wo["signature"]),
            "defer_reason": wo["defer_reason"], "promised_at": wo["promised_at"], "cancel_reason": wo["cancel_reason"],
            "created_by": wo["created_by"], "created_at": wo["created_at"], "dispatched_at": wo["dispatched_at"],
            "accepted_at": wo["accepted_at"], "arrived_at": wo["arrived_at"], "completed_at": wo["completed_at"],
            "signed_off_at": wo["signed_off_at"], "called_back_at": wo["called_back_at"], "closed_at": wo["closed_at"],
            "updated_at": wo["updated_at"], "harm_ongoing_since": wo.get("harm_ongoing_since"),
            "channel": wo.get("channel"), "help_kind": wo.get("help_kind"),
            "complaint": _complaint(wo.get("complaint_details"), customer),
            "call_backs": [{**c, "reached": bool(c["reached"]), "satisfied": None if c["satisfied"] is None else bool(c["satisfied"])} for c in call_backs],
            "conflicts": conflicts,
            "contacted_at": wo.get("contacted_at"), "replied_at": wo.get("replied_at"), "work_type": wo.get("work_type"),
            "sla": [{"step": s.step, "target_s": s.target_s, "elapsed_s": s.elapsed_s, "met": s.met, "due_at": s.due_at}
                    for s in sla_states(targets, wo, moment)],
        }
        if with_events:
            view["events"] = [
                {"n": e.n, "name": e.name, "actor_id": e.actor_id, "occurred_at": e.occurred_at, "recorded_at": e.recorded_at,
                 "data": e.data, "hash": e.hash}
                for e in load_events(tx, wid)
            ]
        views.append(view if customer else _hide_customer(view))
    return views


_RELATED = {
    # Pending until one who added it has uploaded the bytes (server/blobs/access.py: naming a hash grants nothing).
    "photos": "SELECT p.work_order_id, p.sha256, p.kind, p.taken_at, NOT EXISTS (SELECT 1 FROM blob_uploaders u"
              " WHERE u.sha256 = p.sha256 AND u.user_id = p.added_by) AS pending FROM photos p"
              " WHERE p.work_order_id IN ({ids}) ORDER BY p.work_order_id, p.taken_at, p.sha256",
    "notes": "SELECT work_order_id, id, author_id, text, occurred_at, recorded_at, note_code, note_args FROM notes WHERE work_order_id IN ({ids})"
             " ORDER BY work_order_id, occurred_at, id",
    "call_backs": "SELECT work_order_id, id, actor_id, reached, satisfied, comment, occurred_at, recorded_at FROM call_backs"
                  " WHERE work_order_id IN ({ids}) ORDER BY work_order_id, id",
    # created_at is when the server learned of the refused step, occurred_at when it happened on the device.
    "conflicts": "SELECT work_order_id, id, code, message, mutation, actor_id, client_id, mutation_id, occurred_at, created_at,"
                 " resolved_at, resolved_by, resolution, resolution_note FROM conflicts WHERE work_order_id IN ({ids})"
                 " ORDER BY work_order_id, id",
}


def _related(tx: Tx, ids: list[str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {table: {} for table in _RELATED}
    for start in range(0, len(ids), ID_BATCH):
        batch = ids[start:start + ID_BATCH]
        marks = ",".join("?" for _ in batch)
        for table, sql in _RELATED.items():
            for row in tx.query(sql.format(ids=marks), batch):
                grouped[table].setdefault(row.pop("work_order_id"), []).append(row)
    return grouped


def _complaint(raw: str | None, customer: bool) -> dict[str, Any] | None:
    """A complaint's particulars; what the customer said is customer data, like their name."""
    if not raw:
        return None
    details = json.loads(raw)
    return details if customer else {**details, "happened": MASKED, "wants": MASKED}


def _signature(tx: Tx, wo_id: str, raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    signature = json.loads(raw)
    # Signed on an offline device, the image may land after the sign-off: shown pending like a photo.
    drawn = signature.get("signature_sha256")
    # Held only when the device's user uploaded the image (server/blobs/access.py).
    signature["pending"] = bool(drawn) and tx.one(
        "SELECT 1 AS x FROM signatures s JOIN blob_uploaders u ON u.sha256 = s.signature_sha256 AND u.user_id = s.actor_id"
        " WHERE s.work_order_id = ? AND s.signature_sha256 = ?", (wo_id, drawn)) is None
    return signature


# The parts of a rendered order that hold structured customer fields; the rest (photos, notes, SLA) never does,
# and skipping it keeps masking cheap in a pull of thousands of orders.
CUSTOMER_PARTS = ("reporter", "consent", "signature", "events")


def _hide_customer(view: dict[str, Any]) -> dict[str, Any]:
    hidden = {**view, **{part: mask_customer({part: view[part]})[part] for part in CUSTOMER_PARTS if part in view}}
    if hidden.get("people_present") is not None:
        hidden["people_present"] = MASKED  # who was there may name the resident
    return hidden


def mask_customer(value: Any) -> Any:
    """A copy of `value` with every customer name and phone blanked, however deep (for viewers who may not see them)."""
    if isinstance(value, dict):
        return {k: (dict(REDACTED) if k == "reporter" else (None if v is None else MASKED) if k in CUSTOMER_KEYS else mask_customer(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_customer(v) for v in value]
    return value
