"""What a push message carries to the service worker: a tagged union on `type` (CONTRACT.md "Web Push").

Wire rules: new fields get defaults, existing field names and types never change, new kinds get a new tag.
"""

from __future__ import annotations

import base64
import hashlib

from typing import Any

import msgspec

# 32 is the limit RFC 8030 sets on the Topic header; base64url characters only.
TOPIC_MAX_CHARS = 32


class AlarmPush(msgspec.Struct, tag="alarm", tag_field="type", frozen=True, kw_only=True, omit_defaults=True):
    """A new alarm, to the guards on duty, or an unacknowledged one escalated to supervisors (CONTRACT.md's
    fields, plus what a notification needs to read well: the site's name, and whether it is an escalation)."""

    alarm_id: str
    work_order_id: str | None
    site_id: str
    kind: str
    zone: str | None
    ts: str
    """RFC 3339 UTC, ending in Z: when the alarm was first seen."""
    site_name: str | None = None
    """Filled in as the push is sent (the alarm is owed with the site id only)."""
    escalated: bool = False
    """True when nobody acknowledged it within the escalation delay and the site's supervisors are pushed."""


class WorkOrderEscalationPush(msgspec.Struct, tag="work_order_escalation", tag_field="type", frozen=True, kw_only=True):
    """A complaint, harm still going on, overdue work or an overdue call-back, to the site's supervisors.

    No customer details (name, phone, unit): enough to recognise the job and open it.
    """

    kind: str
    why: str
    work_order_id: str
    site_id: str
    title: str
    category: str
    priority: str
    complaint_level: str | None = None
    due_at: str | None = None
    """RFC 3339 UTC: when the escalation fell due (the complaint's receipt, the deadline missed)."""
    site_name: str | None = None
    """Filled in as the push is sent, so the notification names the site."""
    title_code: str | None = None
    """A sensor-made order's title as a system text (server/domain/system_texts.py): the worker words it in the reader's language."""
    title_args: dict[str, Any] | None = None


PushMessage = AlarmPush | WorkOrderEscalationPush

_push_message_decoder = msgspec.json.Decoder(PushMessage)


def encode_push_message(message: PushMessage) -> bytes:
    """The JSON bytes that get encrypted into the push body."""
    return msgspec.json.encode(message)


def decode_push_message(raw: bytes | str) -> PushMessage:
    return _push_message_decoder.decode(raw)


def incident_topic(incident_id: str) -> str:
    """The push `Topic` for one incident: same id, same topic, so a phone replaces, not piles up.

    A hash rather than the id itself: ids may be longer than 32 characters or hold characters
    outside base64url, and the topic is visible to the push service, which needs no ids of ours.
    """
    digest = hashlib.sha256(b"fieldops-incident:" + incident_id.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")[:TOPIC_MAX_CHARS]
