"""A browser's push subscription (`PushSubscription.toJSON()`) and the checks it must pass to be kept.

Checked once when a client registers it, so the sender only ever meets well-formed keys.
"""

from __future__ import annotations

import base64
import binascii

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec

from server.errors import Invalid
from server.push.endpoint_guard import CheckedEndpoint, check_endpoint


class PushSubscriptionKeysInvalid(Invalid):
    code = "push_subscription_keys_invalid"


class PushKeys(msgspec.Struct, frozen=True):
    p256dh: str
    """The browser's P-256 public key: the 65-byte uncompressed point, base64url."""
    auth: str
    """The 16-byte authentication secret, base64url."""


class PushSubscription(msgspec.Struct, frozen=True):
    """What `POST /api/v1/push/subscriptions` receives; `endpoint` identifies the subscription."""

    endpoint: str
    keys: PushKeys


def decode_base64url(value: str) -> bytes:
    """Decode base64url with or without padding (browsers omit it); raise ValueError on junk."""
    if not isinstance(value, str) or not value or len(value) > 256:
        raise ValueError("empty or too long")
    text = value.strip().rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(str(exc)) from None


def check_subscription_keys(keys: PushKeys) -> None:
    """Raise PushSubscriptionKeysInvalid unless p256dh is a point on P-256 and auth is 16 bytes."""
    try:
        point = decode_base64url(keys.p256dh)
    except ValueError:
        raise PushSubscriptionKeysInvalid("keys.p256dh is not base64url.") from None
    if len(point) != 65 or point[0] != 0x04:
        raise PushSubscriptionKeysInvalid("keys.p256dh must be a 65-byte uncompressed P-256 point.")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise PushSubscriptionKeysInvalid("keys.p256dh is not a point on the P-256 curve.") from None
    try:
        auth = decode_base64url(keys.auth)
    except ValueError:
        raise PushSubscriptionKeysInvalid("keys.auth is not base64url.") from None
    if len(auth) != 16:
        raise PushSubscriptionKeysInvalid("keys.auth must be 16 bytes.")


def check_subscription(
    subscription: PushSubscription, insecure_hosts: frozenset[str] | tuple[str, ...] = frozenset()
) -> CheckedEndpoint:
    """Everything a subscription must satisfy before it is stored: sound keys, an allowed endpoint."""
    check_subscription_keys(subscription.keys)
    return check_endpoint(subscription.endpoint, insecure_hosts)
