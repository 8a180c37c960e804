"""A real local push service for tests: hands out browser-side subscriptions, checks VAPID, decrypts.

It refuses what a real push service would (bad VAPID → 401/403, wrong encoding, no TTL), so a sender bug fails the test.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import ssl
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import msgspec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from py_vapid import jwt as vapid_jwt

MAX_VAPID_EXP_S = 24 * 3600
MAX_BODY_BYTES = 4096  # RFC 8291 section 4: push services may refuse larger bodies
TOPIC_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ReceivedPush(msgspec.Struct, frozen=True, kw_only=True):
    subscription_id: str
    headers: dict[str, str]
    ttl: int
    urgency: str | None
    topic: str | None
    claims: dict
    payload: object
    """The decrypted body, parsed as JSON."""
    received_at: float
    """When it was checked and decrypted (monotonic)."""
    arrived_at: float = 0.0
    """When the request reached the service, before its checks: the time a real push service has the message."""


class Attempt(msgspec.Struct, frozen=True, kw_only=True):
    subscription_id: str
    status: int
    reason: str
    at: float


class _Subscriber(msgspec.Struct, kw_only=True):
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes
    application_server_key: str | None
    answers: list[tuple[int, str | None]]
    gone_status: int | None = None


class LocalPushService:
    """Start with `with LocalPushService() as service:`; `service.subscribe()` gives PushSubscription JSON."""

    def __init__(self, tls_hostname: str | None = None) -> None:
        """With `tls_hostname`, serve https with a fresh self-signed certificate for that name (see `ca_file`)."""
        self.received: list[ReceivedPush] = []
        self.attempts: list[Attempt] = []
        self._subscribers: dict[str, _Subscriber] = {}
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.ca_file: str | None = None
        if tls_hostname is None:
            self.origin = f"http://127.0.0.1:{self.port}"
            self.host = f"127.0.0.1:{self.port}"
        else:
            self.origin = f"https://{tls_hostname}:{self.port}"
            self.host = f"{tls_hostname}:{self.port}"
            self._serve_tls(tls_hostname)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-push-service", daemon=True
        )

    def _serve_tls(self, hostname: str) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
        now = datetime.now(timezone.utc)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        directory = tempfile.mkdtemp(prefix="local-push-tls-")
        self.ca_file = os.path.join(directory, "cert.pem")
        key_file = os.path.join(directory, "key.pem")
        with open(self.ca_file, "wb") as out:
            out.write(certificate.public_bytes(serialization.Encoding.PEM))
        with open(key_file, "wb") as out:
            out.write(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)

    def __enter__(self) -> LocalPushService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        if self.ca_file is not None:
            shutil.rmtree(os.path.dirname(self.ca_file), ignore_errors=True)

    def subscribe(self, application_server_key: str | None = None) -> dict:
        """A new browser subscription; with `application_server_key`, only that VAPID key may push to it."""
        subscription_id = secrets.token_urlsafe(12)
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth_secret = secrets.token_bytes(16)
        with self._lock:
            self._subscribers[subscription_id] = _Subscriber(
                private_key=private_key,
                auth_secret=auth_secret,
                application_server_key=application_server_key,
                answers=[],
            )
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{subscription_id}",
            "keys": {"p256dh": b64url(public), "auth": b64url(auth_secret)},
        }

    def answer_with(self, subscription: dict, *statuses: int, retry_after: str | None = None) -> None:
        """The next pushes to `subscription` get these statuses (after all checks), then 201 again."""
        with self._lock:
            self._subscribers[_id_of(subscription)].answers.extend((s, retry_after) for s in statuses)

    def answer_normally(self, subscription: dict) -> None:
        """Forget the refusals still queued for this subscription: from now on it accepts pushes."""
        with self._lock:
            self._subscribers[_id_of(subscription)].answers.clear()

    def expire(self, subscription: dict, status: int = 410) -> None:
        """The subscription is gone for good: every push gets `status` (410 or 404)."""
        with self._lock:
            self._subscribers[_id_of(subscription)].gone_status = status

    def wait_for(self, n: int, timeout: float = 5.0) -> list[ReceivedPush]:
        """Block until `n` messages were accepted; the list of them, or AssertionError on timeout."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.received) >= n, timeout):
                raise AssertionError(
                    f"expected {n} pushes within {timeout}s, got {len(self.received)}; attempts: {self.attempts}"
                )
            return list(self.received)

    def received_by(self, subscription: dict) -> list[ReceivedPush]:
        with self._lock:
            return [push for push in self.received if push.subscription_id == _id_of(subscription)]

    def attempts_on(self, subscription: dict) -> list[Attempt]:
        with self._lock:
            return [a for a in self.attempts if a.subscription_id == _id_of(subscription)]

    def _record(self, subscription_id: str, status: int, reason: str, push: ReceivedPush | None = None) -> None:
        with self._lock:
            self.attempts.append(Attempt(subscription_id=subscription_id, status=status, reason=reason, at=time.monotonic()))
            if push is not None:
                self.received.append(push)
            self._lock.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class PushHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real push services and our sender's pool expect
            # One write per response, sent at once: written as headers then body (two writes) without
            # TCP_NODELAY, every answer on a kept-alive connection waited ~40 ms for the sender's delayed ACK
            # (Nagle holds the body until the headers are acknowledged), which capped a sender at ~23 pushes/s
            # and put 40 ms into every latency measured through this service. The buffered wfile is flushed
            # once per request by BaseHTTPRequestHandler.handle_one_request.
            disable_nagle_algorithm = True
            wbufsize = -1

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                arrived_at = time.monotonic()  # the request is in (line and headers read): what a push service sees
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                subscription_id = self.path.removeprefix("/push/")
                status, reason, push, retry_after = service._judge(subscription_id, dict(self.headers.items()), body, arrived_at)
                service._record(subscription_id, status, reason, push)
                self.send_response(status)
                if status == 201:
                    self.send_header("Location", f"{service.origin}/message/{secrets.token_urlsafe(8)}")
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                text = reason.encode()
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

        return PushHandler

    def _judge(self, subscription_id: str, headers: dict[str, str], body: bytes, arrived_at: float):
        """(status, reason, the accepted push or None, Retry-After) for one POST, as a push service would."""
        headers = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            subscriber = self._subscribers.get(subscription_id)
        if subscriber is None:
            return 404, "no such subscription", None, None
        try:
            claims = self._check_vapid(headers.get("authorization", ""), subscriber)
        except PermissionError as exc:
            return exc.args[0], exc.args[1], None, None
        if headers.get("content-encoding") != "aes128gcm":
            return 415, "Content-Encoding must be aes128gcm", None, None
        ttl = headers.get("ttl", "")
        if not ttl.isdigit():
            return 400, "TTL header missing or not a number", None, None
        urgency = headers.get("urgency")
        if urgency is not None and urgency not in ("very-low", "low", "normal", "high"):
            return 400, f"bad Urgency {urgency!r}", None, None
        topic = headers.get("topic")
        if topic is not None and not (0 < len(topic) <= 32 and set(topic) <= TOPIC_CHARS):
            return 400, f"bad Topic {topic!r}", None, None
        if len(body) > MAX_BODY_BYTES:
            return 413, "payload too large", None, None
        try:
            header_keyid_length = body[20]
            if header_keyid_length != 65:
                raise ValueError("keyid must be the sender's 65-byte public key")
            plaintext = http_ece.decrypt(
                body, private_key=subscriber.private_key, auth_secret=subscriber.auth_secret, version="aes128gcm"
            )
            payload = json.loads(plaintext)
        except Exception as exc:  # any decryption or JSON failure is the sender's bug
            return 400, f"cannot decrypt: {exc!r}", None, None
        if subscriber.gone_status is not None:
            return subscriber.gone_status, "subscription expired", None, None
        with self._lock:
            answer = subscriber.answers.pop(0) if subscriber.answers else None
        if answer is not None:
            return answer[0], "told to refuse", None, answer[1]
        push = ReceivedPush(
            subscription_id=subscription_id,
            headers=headers,
            ttl=int(ttl),
            urgency=urgency,
            topic=topic,
            claims=claims,
            payload=payload,
            received_at=time.monotonic(),
            arrived_at=arrived_at,
        )
        return 201, "created", push, None

    def _check_vapid(self, authorization: str, subscriber: _Subscriber) -> dict:
        """RFC 8292: `vapid t=<JWT>, k=<key>`, ES256 by k, aud = our origin, 0 < exp - now <= 24 h, sub."""
        scheme, _, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            raise PermissionError(401, "Authorization must use the vapid scheme")
        parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        token, key = parts.get("t"), parts.get("k")
        if not token or not key:
            raise PermissionError(401, "vapid needs t= and k=")
        try:
            header = json.loads(unb64url(token.split(".")[0]))
            if header.get("alg") != "ES256":
                raise PermissionError(401, "JWT alg must be ES256")
            if len(unb64url(key)) != 65:
                raise PermissionError(401, "k must be a 65-byte P-256 point")
            claims = vapid_jwt.decode(token, key)
        except (InvalidSignature, ValueError) as exc:
            raise PermissionError(401, f"bad VAPID signature: {exc!r}") from None
        if subscriber.application_server_key is not None and key.rstrip("=") != subscriber.application_server_key:
            raise PermissionError(403, "VAPID key differs from the subscription's applicationServerKey")
        if claims.get("aud") != self.origin:
            raise PermissionError(403, f"aud {claims.get('aud')!r} is not {self.origin!r}")
        remaining = int(claims.get("exp", 0)) - time.time()
        if not 0 < remaining <= MAX_VAPID_EXP_S:
            raise PermissionError(403, "exp must be in the future and at most 24 h away")
        if not claims.get("sub"):
            raise PermissionError(403, "sub claim missing")
        return claims


def _id_of(subscription: dict) -> str:
    return subscription["endpoint"].rsplit("/", 1)[1]
