"""A work order as GET /api/v1/work-orders/{id}, lists and mutations answer it (CONTRACT.md "Writes are mutations")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from server.domain.status_rules import STATUSES
from server.domain.workorder_args import Category, Channel, ComplaintLevel, HelpKind, PhotoKind, Priority
from server.http.schemas import Answer

Status = Literal[STATUSES]  # type: ignore[valid-type]
Timestamp = Annotated[str, msgspec.Meta(description="RFC 3339 UTC, ending in Z")]
SlaStep = Literal["record", "reply", "dispatch", "arrive", "feedback", "resolve", "call_back"]


class OrderReporter(Answer):
    name: str
    phone: str


class Consent(Answer):
    """What the customer agreed to before paid work (confirm_scope)."""

    customer_name: str | None
    scope: str
    labor_fee: int
    material_fee: int
    signature_sha256: str | None = None
    occurred_at: Timestamp | None = None


class Photo(Answer):
    sha256: str
    kind: PhotoKind
    taken_at: Timestamp
    pending: bool = msgspec.field(default=False)


class Note(Answer):
    id: str
    author_id: str
    text: str
    occurred_at: Timestamp
    recorded_at: Timestamp
    note_code: Annotated[str | None, msgspec.Meta(description="a system note's text as a code (pwa/i18n systext catalog); null: a person wrote it")] = None
    note_args: dict[str, Any] | None = None


class Signature(Answer):
    """The customer's sign-off; `pending` while the drawn image has not been uploaded."""

    signer_name: str | None
    signature_sha256: str | None
    accepted: bool
    comment: str
    document_sha256: str
    signed_at: Timestamp
    recorded_at: Timestamp
    pending: bool
    on_behalf: Annotated[bool, msgspec.Meta(description="a refusal the technician recorded on the customer's behalf")] = False


class ComplaintParticulars(Answer):
    about: str = ""
    happened: str = ""
    wants: str = ""


class CallBackRecord(Answer):
    id: int
    actor_id: str
    reached: bool
    satisfied: bool | None
    comment: str
    occurred_at: Timestamp
    recorded_at: Timestamp


class OrderConflict(Answer):
    """A step refused after the fact (an offline push or a rule): kept for the dispatcher's review."""

    id: int
    code: str
    message: str
    mutation: str
    actor_id: str | None
    client_id: str | None
    mutation_id: int | None
    occurred_at: Timestamp | None
    created_at: Timestamp
    resolved_at: Timestamp | None
    resolved_by: str | None
    resolution: str | None
    resolution_note: str | None


class SlaState(Answer):
    step: SlaStep
    target_s: float | None
    elapsed_s: float | None
    met: bool | None
    due_at: Timestamp | None


class AuditEvent(Answer):
    """One step of the hash-chained audit trail: when it happened and when the server learned of it."""

    n: int
    name: str
    actor_id: str | None
    occurred_at: Timestamp
    recorded_at: Timestamp
    data: dict[str, Any]
    hash: str


class WorkOrder(Answer):
    """A work order as the caller may see it (customer details blanked where `customer_visible` is false)."""

    id: str
    site_id: str
    unit: str
    category: Category
    priority: Priority
    status: Status
    title: str
    description: str
    reporter: OrderReporter
    customer_visible: bool
    complaint_level: ComplaintLevel | None
    rework_of: str | None
    requested_at: Timestamp | None
    assignee_id: str | None
    scope: str | None
    labor_fee: int | None
    material_fee: int | None
    consent: Consent | None
    summary: str | None
    photos: list[Photo]
    notes: list[Note]
    signature: Signature | None
    defer_reason: str | None
    promised_at: Timestamp | None
    cancel_reason: str | None
    created_by: str | None
    created_at: Timestamp
    dispatched_at: Timestamp | None
    accepted_at: Timestamp | None
    arrived_at: Timestamp | None
    completed_at: Timestamp | None
    signed_off_at: Timestamp | None
    called_back_at: Timestamp | None
    closed_at: Timestamp | None
    updated_at: Timestamp
    harm_ongoing_since: Timestamp | None
    channel: Channel | None
    help_kind: HelpKind | None
    complaint: ComplaintParticulars | None
    call_backs: list[CallBackRecord]
    conflicts: list[OrderConflict]
    contacted_at: Timestamp | None
    replied_at: Timestamp | None
    work_type: str | None
    sla: list[SlaState]
    title_code: Annotated[str | None, msgspec.Meta(description="a sensor-made order's title as a code (pwa/i18n systext catalog)")] = None
    title_args: dict[str, Any] | None = None
    description_code: str | None = None
    description_args: dict[str, Any] | None = None
    people_present: Annotated[str | None, msgspec.Meta(description="who was present at completion (customer data: blank when hidden)")] = None
    events: Annotated[list[AuditEvent], msgspec.Meta(description="the audit trail (one order only, not in lists)")] | msgspec.UnsetType = msgspec.UNSET
