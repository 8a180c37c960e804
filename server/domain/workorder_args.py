"""Wire types of the work-order mutators' arguments (CONTRACT.md "Writes are mutations").

New fields get defaults; an existing field's type never changes (older apps in the field still sync).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.clock import WireTime
from server.domain.mutation import coded
from server.ids import OBJECT_ID_PATTERN

Category = Literal["repair", "complaint", "help", "emergency"]
Priority = Literal["normal", "urgent", "emergency"]
ComplaintLevel = Literal["minor", "important", "major"]
PhotoKind = Literal["before", "after", "cleanup", "damage"]
# How a report reached the service centre (DOMAIN.md procedure step 1).
Channel = Literal["phone", "visit", "department", "patrol"]
# DOMAIN.md "Calls for help": medical; enquiry; theft, fights, poisoning, traffic; water, fire, disasters; other.
HelpKind = Literal["medical", "enquiry", "security", "disaster", "other"]

Text = Annotated[str, msgspec.Meta(max_length=4000)]
Short = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Cents = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]
# msgspec tests patterns with re.search: `\Z`, not `$`, so a hash with a trailing newline is refused.
Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}\Z")]
Time = WireTime  # what parse_rfc3339 takes, so a schema-valid time is never refused
# An id a device makes offline: UUID (v7 preferred) or ULID text (server/ids.py).
ObjectId = Annotated[str, msgspec.Meta(pattern=coded(OBJECT_ID_PATTERN, "invalid_id"), description="a UUID (v7 preferred) or a ULID")]


class Reporter(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=40)] = ""


class ComplaintDetails(msgspec.Struct, forbid_unknown_fields=True):
    """What DOMAIN.md asks to record of every complaint besides its level, place and contact."""

    about: Annotated[str, msgspec.Meta(max_length=400)] = ""  # who or which department is complained about
    happened: Text = ""
    wants: Text = ""  # what the customer wants


class CreateWorkOrder(msgspec.Struct, forbid_unknown_fields=True):
    id: ObjectId
    site_id: str
    unit: Short
    category: Category
    priority: Priority
    title: Short
    description: Text = ""
    reporter: Reporter = msgspec.field(default_factory=Reporter)
    requested_at: Time | None = None
    complaint_level: ComplaintLevel | None = None
    rework_of: str | None = None
    # When the customer called or came in (or the sensor's first message): the `record` step runs from it.
    contacted_at: Time | None = None
    # A sub-kind of work service targets may name (`resolve.type.gas_ignition`): lower-case letters, digits, `_`.
    work_type: Annotated[str, msgspec.Meta(pattern="^[a-z][a-z0-9_]{0,39}$")] | None = None
    # Added for the dispatcher's console; all optional so older apps' creates still decode.
    channel: Channel | None = None
    help_kind: HelpKind | None = None
    complaint: ComplaintDetails | None = None


class Dispatch(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    technician_id: str


class OrderStep(msgspec.Struct, forbid_unknown_fields=True):
    """accept, arrive: only the order."""

    work_order_id: str


class ConfirmScope(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    scope: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    labor_fee: Cents
    material_fee: Cents
    customer_name: Short
    # The customer's consent drawn on the tablet (a blob); optional for free work.
    consent_signature_sha256: Sha256 | None = None


class AddNote(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    id: ObjectId
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]


class AttachPhoto(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    sha256: Sha256
    kind: PhotoKind
    taken_at: Time


class Complete(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    summary: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    # Who was there (a call for help or an emergency, often with no customer): names or roles, as the technician saw them.
    people_present: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class Defer(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    promised_at: Time


class CallBack(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    reached: bool
    satisfied: bool | None = None
    comment: Text = ""


class Cancel(msgspec.Struct, forbid_unknown_fields=True):
    work_order_id: str
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
