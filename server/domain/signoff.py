"""The customer's sign-off: a signature over the canonical document of the order, checked by the server.

A refused sign-off (wrong status, document changed) still keeps the signature; a changed document becomes a conflict
for the office, online too (`DocumentChanged.tells_office`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import msgspec

from server.clock import now_text, parse_rfc3339, to_rfc3339
from server.domain.access import load_order, require_assignee, salvage_target, was_dispatched_to
from server.domain.actor import Actor
from server.domain.audit import canonical, load_events, verify_chain
from server.domain.mutation import Ref, mutator
from server.domain.status_rules import ALLOWED_FROM
from server.domain.workorder_args import Sha256, Short, Text, Time
from server.domain.workorders import holds_job, record, refuse_status, step_time, transition, wo_alias
from server.errors import Conflict, Invalid
from server.store import Tx


class DocumentChanged(Conflict):
    """The customer signed a document that differs from the order on the server now: the office must see it even
    when the technician heard the refusal online (the registry's `keep_refused` records it as a conflict)."""

    code = "document_changed"
    tells_office = True


class SignOff(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    signer_name: Short
    signature_sha256: Sha256 | None  # null: the customer refused and would not sign (then a comment is needed)
    accepted: bool
    document_sha256: Sha256
    signed_at: Time
    comment: Text | None = None  # the customer's words; expected when the sign-off is refused
    # the technician recorded the refusal for the customer (who would not touch the tablet); receipts say so
    on_behalf: bool = False


def document_of(tx: Tx, wo: dict[str, Any], photos_recorded_by: str | None = None) -> dict[str, Any]:
    """What the customer signs (CONTRACT.md "Sign-off"); `photos_recorded_by` limits photos to those known at signing."""
    sql, params = "SELECT sha256 FROM photos WHERE work_order_id = ?", [wo["id"]]
    if photos_recorded_by is not None:
        sql, params = sql + " AND recorded_at <= ?", [*params, photos_recorded_by]
    photos = sorted(r["sha256"] for r in tx.query(sql, params))
    return {"work_order_id": wo["id"], "site_id": wo["site_id"], "unit": wo["unit"], "title": wo["title"],
            "scope": wo["scope"], "labor_fee": wo["labor_fee"], "material_fee": wo["material_fee"],
            "summary": wo["summary"], "photos": photos}


def document_sha256(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON: keys sorted, no spaces, UTF-8 (the PWA computes the same bytes)."""
    return hashlib.sha256(canonical(document)).hexdigest()


def current_signature(wo: dict[str, Any]) -> dict[str, Any] | None:
    return json.loads(wo["signature"]) if wo["signature"] else None


def keep_signature(tx: Tx, actor: Actor, wo: dict[str, Any], args: SignOff, server_hash: str, outcome: str) -> bool:
    """Store one sign-off attempt; False when this exact signature was stored before (a retried push)."""
    signed = to_rfc3339(parse_rfc3339(args.signed_at, "signed_at"))
    return tx.execute(
        "INSERT INTO signatures (work_order_id, signer_name, signature_sha256, accepted, comment, document_sha256,"
        " server_document_sha256, signed_at, outcome, actor_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        # the table keeps "" for "no drawing" so a retried refusal still matches its first row (NULLs never do)
        (wo["id"], args.signer_name, args.signature_sha256 or "", int(args.accepted), args.comment or "", args.document_sha256,
         server_hash, signed, outcome, actor.id, now_text())) == 1


def signature_facts(args: SignOff) -> dict[str, Any]:
    facts = {"signer_name": args.signer_name, "signature_sha256": args.signature_sha256, "accepted": args.accepted,
             "comment": args.comment or "", "document_sha256": args.document_sha256,
             "signed_at": to_rfc3339(parse_rfc3339(args.signed_at, "signed_at"))}
    return {**facts, "on_behalf": True} if args.on_behalf else facts  # absent when false: older records stay as they were


def check_drawing(args: SignOff) -> None:
    """Accepting needs the customer's drawn signature; refusing may go without one, but then says why."""
    if args.on_behalf and args.accepted:
        raise Invalid("only a refusal may be recorded on the customer's behalf; accepting needs their own signature", code="on_behalf_refusal_only")
    if args.signature_sha256 is not None:
        return
    if args.accepted:
        raise Invalid("accepting the work needs the customer's signature", code="signature_required")
    if not (args.comment or "").strip():
        raise Invalid("a refused sign-off needs the customer's comment (what is wrong)", code="comment_required")


def salvage_sign_off(tx: Tx, actor: Actor, args: SignOff, occurred_at: datetime) -> None:
    """A refused sign-off keeps the signature (the conflict for the office is the registry's to record).

    Only from the order's technician, now or before a reassignment: a customer's signature taken by someone never
    sent to the job is no evidence of it (it would also make its image readable through the order); the sync
    rejection row still holds its raw arguments.
    """
    wo = salvage_target(tx, actor, args.work_order_id)
    if wo is None or not (holds_job(actor, wo) or was_dispatched_to(tx, actor.id, wo["id"])):
        return
    server_hash = document_sha256(document_of(tx, wo))
    if not keep_signature(tx, actor, wo, args, server_hash, "refused"):
        return  # this very signature was kept before (a retried push)
    record(tx, actor, wo, "sign_off_refused", step_time(wo, occurred_at), {}, {**signature_facts(args), "server_document_sha256": server_hash})


@mutator("sign_off", SignOff, {"technician"}, salvage=salvage_sign_off, upgrade=wo_alias)
def sign_off(tx: Tx, actor: Actor, args: SignOff, occurred_at: datetime) -> Ref:
    """The customer signs the completed order on the technician's device: accepted → signed_off, refused → disputed."""
    parse_rfc3339(args.signed_at, "signed_at")  # a bad time is 422 before any rule is checked
    check_drawing(args)
    wo = load_order(tx, actor, args.work_order_id)
    require_assignee(actor, wo, "take the customer's sign-off")
    previous = current_signature(wo)
    if previous and wo["status"] in ("signed_off", "disputed") and signature_facts(args).items() <= previous.items():
        return Ref("work_order", wo["id"])  # the same sign-off again (a retried push): already recorded
    if wo["status"] not in ALLOWED_FROM["sign_off"]:
        raise refuse_status(wo, "take a sign-off")
    server_hash = document_sha256(document_of(tx, wo))
    if server_hash != args.document_sha256:
        raise DocumentChanged("the customer signed a document that differs from the order on the server; show the current order and sign again",
                              server_document_sha256=server_hash)
    outcome = "signed_off" if args.accepted else "disputed"
    keep_signature(tx, actor, wo, args, server_hash, outcome)
    occurred = step_time(wo, occurred_at)
    facts = signature_facts(args)
    signature = {**facts, "recorded_at": now_text()}
    return transition(tx, actor, wo, "sign_off", outcome, occurred_at,
                      {"signature": json.dumps(signature, ensure_ascii=False), "signed_off_at": occurred}, facts)


def verify_order(tx: Tx, actor: Actor, work_order_id: str) -> dict[str, Any]:
    """Recompute the signed document from stored data and check the audit chain and the columns against it."""
    wo = load_order(tx, actor, work_order_id)
    chain = verify_chain(tx, wo["id"])
    events = load_events(tx, wo["id"])
    signature = current_signature(wo)
    recomputed = document_sha256(document_of(tx, wo, signature["recorded_at"] if signature else None))
    problems = [f"audit chain broken at event {chain.broken_at}"] if not chain.valid else []
    signed_hash = None
    if signature is not None:
        signed_hash = signature["document_sha256"]
        if recomputed != signed_hash:
            problems.append("the stored order no longer hashes to the signed document")
        signed_events = [e for e in events if e.name == "sign_off"]
        if not signed_events or signed_events[-1].data.get("document_sha256") != signed_hash:
            problems.append("the stored signature differs from the sign-off in the audit trail")
    problems += _columns_against_events(wo, events)
    return {"valid": not problems, "document_sha256": recomputed, "signed_document_sha256": signed_hash,
            "signed": signature is not None, "chain": {"valid": chain.valid, "events": chain.events, "broken_at": chain.broken_at},
            "problems": problems}


def _columns_against_events(wo: dict[str, Any], events: list[Any]) -> list[str]:
    """The figures the customer agreed to and the summary are in the hash-chained events; the columns must agree."""
    problems = []
    consents = [e.data["consent"] for e in events if e.name == "confirm_scope"]
    if consents:
        last = consents[-1]
        for field in ("scope", "labor_fee", "material_fee"):
            if last.get(field) != wo[field]:
                problems.append(f"{field} differs from the customer's consent in the audit trail")
    summaries = [e.data.get("summary") for e in events if e.name == "complete"]
    if summaries and summaries[-1] != wo["summary"]:
        problems.append("summary differs from the completion in the audit trail")
    for field in ("unit", "title"):
        created = [e.data.get(field) for e in events if e.name == "create_work_order"]
        if created and created[0] is not None and created[0] != wo[field]:
            problems.append(f"{field} differs from the order's creation in the audit trail")
    return problems
