"""Web Push (RFC 8030/8291/8292): VAPID keys, subscription checks, encrypted sends, background delivery.

Knows nothing of the database: callers store subscriptions and delivery attempts via `on_result`.
"""

from server.push.delivery import DeliveryResult
from server.push.dispatcher import PushDelivery, PushDispatcher, PushJob
from server.push.endpoint_guard import (
    CheckedEndpoint,
    PushEndpointNotAllowed,
    PushEndpointUnresolvable,
    check_endpoint,
    parse_insecure_hosts,
)
from server.push.payload import (
    AlarmPush,
    PushMessage,
    WorkOrderEscalationPush,
    decode_push_message,
    encode_push_message,
    incident_topic,
)
from server.push.retry_policy import retry_delay_s
from server.push.sender import PushSender
from server.push.subscription import (
    PushKeys,
    PushSubscription,
    PushSubscriptionKeysInvalid,
    check_subscription,
    check_subscription_keys,
)
from server.push.vapid import application_server_key, load_or_create_vapid, shared_vapid

__all__ = [
    "AlarmPush",
    "CheckedEndpoint",
    "DeliveryResult",
    "PushDelivery",
    "PushDispatcher",
    "PushEndpointNotAllowed",
    "PushEndpointUnresolvable",
    "PushJob",
    "PushKeys",
    "PushMessage",
    "WorkOrderEscalationPush",
    "PushSender",
    "PushSubscription",
    "PushSubscriptionKeysInvalid",
    "application_server_key",
    "check_endpoint",
    "check_subscription",
    "check_subscription_keys",
    "decode_push_message",
    "encode_push_message",
    "incident_topic",
    "load_or_create_vapid",
    "shared_vapid",
    "parse_insecure_hosts",
    "retry_delay_s",
]
