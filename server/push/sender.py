"""Send one Web Push message: RFC 8291 aes128gcm body, RFC 8292 VAPID, to a re-checked endpoint.

Never raises for HTTP or network trouble; every outcome is a DeliveryResult the caller records.
"""

from __future__ import annotations

import email.utils
import threading
import time
from datetime import datetime, timezone

import certifi
import urllib3
from py_vapid import Vapid02, VapidException
from pywebpush import WebPusher, WebPushException

from server.push.delivery import DeliveryResult
from server.push.endpoint_guard import (
    CheckedEndpoint,
    PushEndpointNotAllowed,
    PushEndpointUnresolvable,
    check_endpoint,
    parse_insecure_hosts,
)
from server.push.payload import TOPIC_MAX_CHARS, PushMessage, encode_push_message
from server.push.subscription import PushSubscription, PushSubscriptionKeysInvalid, check_subscription_keys

# pywebpush defaults to TTL 0, which tells the push service to drop the message at once if the
# phone is not connected right now (in a lift, a basement pump room, switching cells). An alarm
# must wait for the phone; an hour covers a dead spot, after which escalation has taken over.
DEFAULT_TTL_S = 3600
DEFAULT_URGENCY = "high"
URGENCIES = ("very-low", "low", "normal", "high")
# pywebpush and requests wait forever by default; a stalled push service must not hold a worker
# thread (and every alarm queued behind it). Push services answer in well under a second.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
# RFC 8292: `exp` at most 24 h ahead. Tokens are reused per audience until an hour before expiry,
# which saves an ECDSA signature per message in an alarm storm.
VAPID_TOKEN_LIFETIME_S = 12 * 3600
VAPID_TOKEN_RENEW_BEFORE_S = 3600
# Enough of an error body to say why, not enough for an endpoint to flood memory or logs.
MAX_ERROR_BODY_BYTES = 2048


class PushSender:
    """Encrypts, signs and posts push messages; thread-safe, keeps connections per checked address."""

    def __init__(
        self,
        vapid: Vapid02,
        *,
        contact: str,
        insecure_hosts: str | tuple[str, ...] | frozenset[str] = (),
        ttl_s: int = DEFAULT_TTL_S,
        urgency: str = DEFAULT_URGENCY,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        ca_certs: str | None = None,
        pool_size: int = 4,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("a push TTL of 0 drops alarms for phones that are briefly offline")
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {URGENCIES}")
        if not (contact.startswith("mailto:") or contact.startswith("https:")):
            raise ValueError("the VAPID contact (sub) must be a mailto: or https: URL")
        self._vapid = vapid
        self._contact = contact
        self._insecure_hosts = parse_insecure_hosts(insecure_hosts)
        self._ttl_s = ttl_s
        self._urgency = urgency
        self._timeout = urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s)
        self._ca_certs = ca_certs or certifi.where()
        self._pool_size = pool_size
        self._pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def send(
        self,
        subscription: PushSubscription,
        message: PushMessage,
        *,
        topic: str | None = None,
        urgency: str | None = None,
        ttl_s: int | None = None,
    ) -> DeliveryResult:
        """Deliver `message` to one subscription; the endpoint is re-resolved and re-checked now."""
        started = time.monotonic()
        endpoint = subscription.endpoint

        def failed(error: str, **fields: object) -> DeliveryResult:
            return DeliveryResult(
                endpoint=endpoint, ok=False, error=error, elapsed_s=time.monotonic() - started, **fields
            )

        if topic is not None and not _is_topic(topic):
            return failed("push_topic_invalid: a Topic is at most 32 base64url characters")
        urgency = urgency or self._urgency
        if urgency not in URGENCIES:
            return failed(f"push_urgency_invalid: {urgency!r}")
        try:
            check_subscription_keys(subscription.keys)
        except PushSubscriptionKeysInvalid as exc:
            return failed(f"{exc.code}: {exc.message}")
        # Checked again at send time, not only when stored: DNS can change (rebinding) between
        # the two, and the request then goes to exactly the addresses that passed.
        try:
            checked = check_endpoint(endpoint, self._insecure_hosts)
        except PushEndpointUnresolvable as exc:
            return failed(f"{exc.code}: {exc.message}", retryable=True)
        except PushEndpointNotAllowed as exc:
            return failed(f"{exc.code}: {exc.message}")

        try:
            body = self._encrypt(subscription, encode_push_message(message))
            authorization = self._vapid_authorization(checked.origin)
        except (VapidException, WebPushException, ValueError, TypeError) as exc:
            # e.g. py_vapid refuses an IPv6-literal `aud`; a result, not an exception, for the worker
            return failed(f"push_encoding_failed: {exc}")
        headers = {
            "Host": checked.host_header,
            "Authorization": authorization,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(ttl_s or self._ttl_s),
            "Urgency": urgency,
        }
        if topic is not None:
            headers["Topic"] = topic
        return self._post(checked, headers, body, started)

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    def _encrypt(self, subscription: PushSubscription, plaintext: bytes) -> bytes:
        pusher = WebPusher({"endpoint": subscription.endpoint, "keys": _keys_dict(subscription)})
        return pusher.encode(plaintext, content_encoding="aes128gcm")["body"]

    def _vapid_authorization(self, audience: str) -> str:
        now = time.time()
        with self._lock:
            cached = self._tokens.get(audience)
            if cached is not None and cached[1] - now > VAPID_TOKEN_RENEW_BEFORE_S:
                return cached[0]
        expires = int(now) + VAPID_TOKEN_LIFETIME_S
        claims = {"aud": audience, "sub": self._contact, "exp": expires}
        authorization = self._vapid.sign(claims)["Authorization"]
        with self._lock:
            self._tokens[audience] = (authorization, float(expires))
        return authorization

    def _post(self, checked: CheckedEndpoint, headers: dict[str, str], body: bytes, started: float) -> DeliveryResult:
        error = "push_connection_failed: no address tried"
        address = None
        for address in checked.addresses:
            pool = self._pool_for(checked, address)
            try:
                response = pool.urlopen(
                    "POST",
                    checked.target,
                    body=body,
                    headers=headers,
                    redirect=False,  # a redirect would lead the request past the SSRF check
                    retries=False,
                    assert_same_host=False,
                    preload_content=False,
                )
            except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as exc:
                error = f"push_connection_failed: {exc}"
                continue  # the next address of the host may answer
            except urllib3.exceptions.SSLError as exc:
                return self._result(checked, started, address, error=f"push_tls_failed: {exc}")
            except urllib3.exceptions.HTTPError as exc:
                # Read timeout or connection dropped after sending: the service may or may not have
                # the message; sending again risks a duplicate notification, which the Topic collapses.
                return self._result(checked, started, address, error=f"push_request_failed: {exc}", retryable=True)
            return self._answer(checked, started, address, response)
        return self._result(checked, started, address, error=error, retryable=True)

    def _answer(
        self, checked: CheckedEndpoint, started: float, address: str, response: urllib3.BaseHTTPResponse
    ) -> DeliveryResult:
        try:
            text = response.read(MAX_ERROR_BODY_BYTES).decode("utf-8", "replace")
            if response.read(1):
                response.close()  # an oversized body: do not reuse this connection
        except urllib3.exceptions.HTTPError:
            text = ""
            response.close()
        finally:
            response.release_conn()
        status = response.status
        if 200 <= status < 300:
            return self._result(checked, started, address, status=status, ok=True)
        detail = f"push_rejected: {status} {response.reason or ''} {text.strip()[:500]}".strip()
        if status in (404, 410):
            return self._result(checked, started, address, status=status, error=detail, gone=True)
        retryable = status == 429 or status >= 500
        return self._result(
            checked,
            started,
            address,
            status=status,
            error=detail,
            retryable=retryable,
            retry_after_s=parse_retry_after(response.headers.get("Retry-After")) if retryable else None,
        )

    def _result(self, checked: CheckedEndpoint, started: float, address: str | None, **fields: object) -> DeliveryResult:
        fields.setdefault("ok", False)
        return DeliveryResult(endpoint=checked.url, address=address, elapsed_s=time.monotonic() - started, **fields)

    def _pool_for(self, checked: CheckedEndpoint, address: str) -> urllib3.HTTPConnectionPool:
        key = (checked.scheme, address, checked.port, checked.host)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                # The pool connects to the checked IP address; TLS still verifies the certificate
                # against the host name (SNI and hostname check), so pinning costs no security.
                if checked.scheme == "https":
                    pool = urllib3.HTTPSConnectionPool(
                        address,
                        checked.port,
                        timeout=self._timeout,
                        maxsize=self._pool_size,
                        retries=False,
                        cert_reqs="CERT_REQUIRED",
                        ca_certs=self._ca_certs,
                        server_hostname=checked.host,
                        assert_hostname=checked.host,
                    )
                else:
                    pool = urllib3.HTTPConnectionPool(
                        address, checked.port, timeout=self._timeout, maxsize=self._pool_size, retries=False
                    )
                self._pools[key] = pool
            return pool


def _keys_dict(subscription: PushSubscription) -> dict[str, str]:
    return {"p256dh": subscription.keys.p256dh, "auth": subscription.keys.auth}


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now; it may be a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


_BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _is_topic(topic: str) -> bool:
    return 0 < len(topic) <= TOPIC_MAX_CHARS and set(topic) <= _BASE64URL
