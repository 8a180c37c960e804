"""Web Push (RFC 8030/8291/8292): VAPID keys, subscription checks, encrypted sends, background delivery, and the outbox.

The wire modules know nothing of the database (callers record attempts via `on_result`); `outbox` writes and claims
the pushes owed, `owed_sender` sends them. Names are loaded on first use, so the domain can import `outbox` or
`payload` without pulling in the HTTP sender.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from server.push.delivery import DeliveryResult
    from server.push.dispatcher import PushDelivery, PushDispatcher, PushJob
    from server.push.endpoint_guard import CheckedEndpoint, PushEndpointNotAllowed, PushEndpointUnresolvable, check_endpoint, parse_insecure_hosts
    from server.push.payload import AlarmPush, PushMessage, WorkOrderEscalationPush, decode_push_message, encode_push_message, incident_topic
    from server.push.retry_policy import retry_delay_s
    from server.push.sender import PushSender
    from server.push.subscription import PushKeys, PushSubscription, PushSubscriptionKeysInvalid, check_subscription, check_subscription_keys
    from server.push.vapid import application_server_key, load_or_create_vapid, shared_vapid

# Each public name and the module that defines it.
_HOMES = {
    "DeliveryResult": "delivery",
    "PushDelivery": "dispatcher", "PushDispatcher": "dispatcher", "PushJob": "dispatcher",
    "CheckedEndpoint": "endpoint_guard", "PushEndpointNotAllowed": "endpoint_guard", "PushEndpointUnresolvable": "endpoint_guard",
    "check_endpoint": "endpoint_guard", "parse_insecure_hosts": "endpoint_guard",
    "AlarmPush": "payload", "PushMessage": "payload", "WorkOrderEscalationPush": "payload", "decode_push_message": "payload",
    "encode_push_message": "payload", "incident_topic": "payload",
    "retry_delay_s": "retry_policy",
    "PushSender": "sender",
    "PushKeys": "subscription", "PushSubscription": "subscription", "PushSubscriptionKeysInvalid": "subscription",
    "check_subscription": "subscription", "check_subscription_keys": "subscription",
    "application_server_key": "vapid", "load_or_create_vapid": "vapid", "shared_vapid": "vapid",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'server.push' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"server.push.{home}"), name)
    globals()[name] = value  # looked up once
    return value
