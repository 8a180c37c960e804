"""Alarms, their push deliveries, dead letters and Web Push subscriptions (CONTRACT.md "Sensors", "Web Push")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from server.http.schemas import Answer


class Alarm(Answer):
    id: str
    site_id: Annotated[str | None, msgspec.Meta(description="null: a sensor no site has registered yet (supervisors place it)")]
    device_id: str
    kind: str
    zone: str | None
    state: Literal["active", "cleared"]
    acked_by: str | None
    acked_at: str | None
    first_seen: str
    last_seen: str
    count: int
    work_order_id: str | None
    source: str | None
    cleared_at: str | None
    chattering: bool
    escalated_at: str | None
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None


class PushDelivery(Answer):
    user_id: str | None
    status: int | None
    ok: bool | None
    error: str | None
    attempted_at: str


class AlarmWithDeliveries(Alarm):
    """One alarm with every Web Push attempt made for it."""

    deliveries: list[PushDelivery] = []


class DeadLetter(Answer):
    """A sensor message nobody could read, kept for supervisors (payload truncated to 2 KiB)."""

    id: int
    site_id: str | None
    topic: str
    payload: str
    reason: str
    received_at: str
    reason_code: str | None = None
    reason_args: dict[str, Any] | None = None


class PushKey(Answer):
    public_key: str


class SavedSubscription(Answer):
    endpoint: str
    user_id: str


class Unsubscribe(msgspec.Struct):
    """`DELETE /api/v1/push/subscriptions`: the subscription's endpoint (the rest of `toJSON()` may come along)."""

    endpoint: str
