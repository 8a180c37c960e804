"""An alarm push reaches a real (local) push service encrypted, signed and with the right headers.

The service checks VAPID and decrypts per RFC 8291, so what the tests read is what a phone would show.
"""

from __future__ import annotations

import msgspec
import pytest

import server.push.retry_policy as retry_policy
from server.push import (
    AlarmPush,
    PushSender,
    PushSubscription,
    application_server_key,
    incident_topic,
    retry_delay_s,
)
from server.push.delivery import DeliveryResult
from tests.push_endpoint import LocalPushService


def alarm(alarm_id: str = "01J9ALARM0000000000000001", work_order_id: str = "01J9WO00000000000000000001") -> AlarmPush:
    return AlarmPush(
        alarm_id=alarm_id,
        work_order_id=work_order_id,
        site_id="tower-a",
        kind="water_leak",
        zone="B2 pump room",
        ts="2026-11-23T03:00:00Z",
    )


def as_subscription(raw: dict) -> PushSubscription:
    return msgspec.convert(raw, PushSubscription)


def test_an_alarm_push_decrypts_to_exactly_the_contract_payload(sender, push_service, vapid):
    raw = push_service.subscribe(application_server_key=application_server_key(vapid))
    result = sender.send(as_subscription(raw), alarm(), topic=incident_topic("01J9WO00000000000000000001"))
    assert result.ok and result.status == 201 and not result.gone, result
    (push,) = push_service.wait_for(1)
    assert push.payload == {
        "type": "alarm",
        "alarm_id": "01J9ALARM0000000000000001",
        "work_order_id": "01J9WO00000000000000000001",
        "site_id": "tower-a",
        "kind": "water_leak",
        "zone": "B2 pump room",
        "ts": "2026-11-23T03:00:00Z",
    }
    assert push.claims["aud"] == push_service.origin
    assert push.claims["sub"] == "mailto:ops@fieldops.test"


def test_an_alarm_push_is_urgent_kept_for_offline_phones_and_grouped_by_incident(sender, push_service):
    raw = push_service.subscribe()
    topic = incident_topic("incident-7")
    sender.send(as_subscription(raw), alarm("alarm-1"), topic=topic)
    sender.send(as_subscription(raw), alarm("alarm-2"), topic=incident_topic("incident-7"))
    first, second = push_service.wait_for(2)
    assert first.urgency == second.urgency == "high"
    assert first.ttl > 0 and second.ttl > 0
    assert first.topic == second.topic == topic and 0 < len(topic) <= 32
    assert incident_topic("incident-8") != topic


def test_a_gone_subscription_is_reported_for_removal(sender, push_service):
    raw = push_service.subscribe()
    push_service.expire(raw, 410)
    result = sender.send(as_subscription(raw), alarm())
    assert result.gone and not result.ok and not result.retryable and result.status == 410
    push_service.expire(raw, 404)
    assert sender.send(as_subscription(raw), alarm()).gone


def test_429_and_5xx_are_retryable_and_carry_retry_after(sender, push_service):
    raw = push_service.subscribe()
    push_service.answer_with(raw, 429, retry_after="2")
    push_service.answer_with(raw, 503)
    throttled = sender.send(as_subscription(raw), alarm())
    assert throttled.retryable and throttled.status == 429 and throttled.retry_after_s == 2.0
    failing = sender.send(as_subscription(raw), alarm())
    assert failing.retryable and failing.status == 503 and not failing.gone
    assert sender.send(as_subscription(raw), alarm()).ok


def test_a_push_signed_with_another_vapid_key_is_refused_by_the_push_service(sender, push_service, tmp_path):
    from server.push import load_or_create_vapid

    other_key = application_server_key(load_or_create_vapid(tmp_path / "other"))
    raw = push_service.subscribe(application_server_key=other_key)
    result = sender.send(as_subscription(raw), alarm())
    assert not result.ok and result.status == 403 and not result.retryable


def test_a_dead_push_service_is_a_retryable_result_not_an_exception(vapid, push_service):
    raw = push_service.subscribe()
    dead = dict(raw, endpoint=raw["endpoint"].replace(str(push_service.port), "9"))
    sender = PushSender(vapid, contact="mailto:ops@fieldops.test", insecure_hosts="127.0.0.1", connect_timeout_s=1)
    result = sender.send(as_subscription(dead), alarm())
    assert not result.ok and result.retryable and result.status is None and "push_connection_failed" in result.error


def test_the_sender_refuses_a_private_endpoint_at_send_time(vapid, push_service):
    raw = push_service.subscribe()
    sender = PushSender(vapid, contact="mailto:ops@fieldops.test")  # 127.0.0.1 not allow-listed
    result = sender.send(as_subscription(raw), alarm())
    assert not result.ok and not result.retryable and result.error.startswith("push_endpoint_not_allowed")
    assert push_service.attempts == []


def test_a_zero_ttl_is_refused_because_it_drops_alarms_for_offline_phones(vapid):
    with pytest.raises(ValueError):
        PushSender(vapid, contact="mailto:ops@fieldops.test", ttl_s=0)


def test_backoff_grows_with_jitter_and_gives_up(monkeypatch):
    failed = DeliveryResult(endpoint="https://push.example/1", ok=False, status=503, retryable=True)
    assert retry_delay_s(failed, 1, lambda: 0.0) == pytest.approx(retry_policy.BACKOFF_BASE_S / 2)
    assert retry_delay_s(failed, 1, lambda: 1.0) == pytest.approx(retry_policy.BACKOFF_BASE_S)
    assert retry_delay_s(failed, 3, lambda: 1.0) == pytest.approx(retry_policy.BACKOFF_BASE_S * 4)
    assert retry_delay_s(failed, retry_policy.MAX_ATTEMPTS, lambda: 0.5) is None
    gone = DeliveryResult(endpoint="https://push.example/1", ok=False, status=410, gone=True)
    assert retry_delay_s(gone, 1) is None
    slow_down = msgspec.structs.replace(failed, status=429, retry_after_s=3.0)
    assert retry_delay_s(slow_down, 1, lambda: 0.0) == 3.0
    assert retry_delay_s(msgspec.structs.replace(slow_down, retry_after_s=3600.0), 1) is None


def test_https_endpoints_are_reached_at_the_checked_address_with_the_certificate_checked_for_the_host(vapid):
    with LocalPushService(tls_hostname="localhost") as service:
        raw = service.subscribe()
        assert raw["endpoint"].startswith("https://localhost:")
        sender = PushSender(vapid, contact="mailto:ops@fieldops.test", insecure_hosts=service.host, ca_certs=service.ca_file)
        try:
            result = sender.send(as_subscription(raw), alarm())
            assert result.ok and result.address in ("127.0.0.1", "::ffff:127.0.0.1"), result
            (push,) = service.wait_for(1)
            assert push.claims["aud"] == service.origin and push.payload["type"] == "alarm"
        finally:
            sender.close()


def test_a_certificate_for_another_host_fails_the_push(vapid):
    with LocalPushService(tls_hostname="localhost") as service:
        raw = service.subscribe()
        sender = PushSender(vapid, contact="mailto:ops@fieldops.test", insecure_hosts=service.host)  # system CAs
        try:
            result = sender.send(as_subscription(raw), alarm())
            assert not result.ok and result.error.startswith("push_tls_failed"), result
            assert service.attempts == []
        finally:
            sender.close()


def test_an_endpoint_py_vapid_cannot_sign_for_is_a_result_not_an_exception(vapid):
    with LocalPushService() as service:
        raw = service.subscribe()
        ipv6 = dict(raw, endpoint="http://[::1]:9/push/x")
        sender = PushSender(vapid, contact="mailto:ops@fieldops.test", insecure_hosts="[::1]:9")
        result = sender.send(as_subscription(ipv6), alarm())
        assert not result.ok and not result.retryable and result.error.startswith("push_encoding_failed")
