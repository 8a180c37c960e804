"""A subscription cannot make the server call into its own network (server-side request forgery).

Push endpoints must be https and resolve only to public addresses, unless allow-listed for tests.
"""

from __future__ import annotations

import base64
import ipaddress

import pytest

from server.push import (
    PushEndpointNotAllowed,
    PushKeys,
    PushSubscription,
    PushSubscriptionKeysInvalid,
    check_endpoint,
    check_subscription,
    parse_insecure_hosts,
)
from server.push.endpoint_guard import is_public_address


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.com/x",  # plain http
        "ftp://push.example.com/x",
        "https://127.0.0.1/x",
        "https://127.1/x",  # short form of loopback
        "https://2130706433/x",  # loopback as one integer
        "https://10.1.2.3/x",
        "https://172.16.0.1/x",
        "https://192.168.1.1/x",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata service
        "https://100.64.0.1/x",  # carrier-grade NAT
        "https://0.0.0.0/x",
        "https://224.0.0.1/x",
        "https://240.0.0.1/x",
        "https://[::1]/x",
        "https://[::]/x",
        "https://[fe80::1]/x",
        "https://[fc00::1]/x",
        "https://[::ffff:10.0.0.1]/x",  # IPv4-mapped private
        "https://[::ffff:127.0.0.1]/x",
        "https://[2002:7f00:1::]/x",  # 6to4 wrapping 127.0.0.1
        "https://[64:ff9b::a00:1]/x",  # NAT64 wrapping 10.0.0.1
        "https://localhost/x",  # a host name that resolves to loopback
        "https://user:secret@push.example.com/x",
        "https:///nohost",
        "not a url",
    ],
)
def test_endpoints_into_private_networks_or_without_https_are_refused(endpoint):
    with pytest.raises(PushEndpointNotAllowed) as refused:
        check_endpoint(endpoint)
    assert refused.value.code in ("push_endpoint_not_allowed", "push_endpoint_unresolvable")
    assert refused.value.status == 422


def test_a_public_https_endpoint_is_accepted_and_its_addresses_kept():
    checked = check_endpoint("https://8.8.8.8/wpush/v2/abc?x=1")
    assert checked.addresses == ("8.8.8.8",)
    assert checked.origin == "https://8.8.8.8" and checked.target == "/wpush/v2/abc?x=1"


def test_an_allow_listed_test_host_may_use_plain_http_and_loopback():
    hosts = parse_insecure_hosts("push.test, 127.0.0.1:8089")
    checked = check_endpoint("http://127.0.0.1:8089/push/1", hosts)
    assert checked.insecure_allowed and checked.addresses == ("127.0.0.1",)
    assert checked.origin == "http://127.0.0.1:8089"
    with pytest.raises(PushEndpointNotAllowed):  # the port is part of the allow-list entry
        check_endpoint("http://127.0.0.1:8090/push/1", hosts)
    assert check_endpoint("http://localhost:1/x", parse_insecure_hosts("localhost")).insecure_allowed


def test_an_unresolvable_host_is_refused_with_its_own_code():
    with pytest.raises(PushEndpointNotAllowed) as refused:
        check_endpoint("https://no-such-host.invalid/x")
    assert refused.value.code == "push_endpoint_unresolvable"


def test_public_addresses_include_embedded_public_ipv4_and_exclude_documentation_ranges():
    assert is_public_address(ipaddress.ip_address("2a00:1450:4001::1"))
    assert is_public_address(ipaddress.ip_address("::ffff:8.8.8.8"))
    assert not is_public_address(ipaddress.ip_address("192.0.2.1"))
    assert not is_public_address(ipaddress.ip_address("2001:db8::1"))


def keys(p256dh_len: int = 65, auth_len: int = 16, prefix: bytes = b"\x04") -> PushKeys:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    point = (prefix + point[1:])[:p256dh_len]
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return PushKeys(p256dh=b64(point), auth=b64(b"a" * auth_len))


def test_subscription_keys_must_be_a_p256_point_and_a_16_byte_secret():
    check_subscription(PushSubscription(endpoint="http://127.0.0.1:1/p", keys=keys()), ("127.0.0.1",))
    for bad in (keys(p256dh_len=64), keys(prefix=b"\x02"), keys(auth_len=8), PushKeys(p256dh="!!", auth="x")):
        with pytest.raises(PushSubscriptionKeysInvalid):
            check_subscription(PushSubscription(endpoint="http://127.0.0.1:1/p", keys=bad), ("127.0.0.1",))
    off_curve = base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).rstrip(b"=").decode()
    with pytest.raises(PushSubscriptionKeysInvalid):
        check_subscription(PushSubscription(endpoint="http://127.0.0.1:1/p", keys=PushKeys(p256dh=off_curve, auth=keys().auth)), ("127.0.0.1",))
