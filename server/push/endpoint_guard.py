"""Push endpoints may only point at public https hosts: no server-side request forgery by subscription.

A subscription URL comes from a client; we POST to it, so it is checked when stored and again at send.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import msgspec

from server.errors import Invalid

# Real push service URLs are ~200 characters; a cap keeps junk out of the database and logs.
MAX_ENDPOINT_LENGTH = 2048

_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PushEndpointNotAllowed(Invalid):
    """The endpoint is not https, or its host is (or resolves to) a non-public address."""

    code = "push_endpoint_not_allowed"


class PushEndpointUnresolvable(PushEndpointNotAllowed):
    """The host has no address right now; at send time this is transient, so it is retried."""

    code = "push_endpoint_unresolvable"


class CheckedEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    """An endpoint that passed the guard, with the addresses it resolved to (connect only to these)."""

    url: str
    scheme: str
    host: str
    port: int
    target: str
    """Path and query, what goes on the request line."""
    addresses: tuple[str, ...]
    insecure_allowed: bool

    @property
    def origin(self) -> str:
        """scheme://host[:port] as the VAPID `aud` claim wants it (default port omitted)."""
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")

    @property
    def host_header(self) -> str:
        return self.origin.split("://", 1)[1]


def parse_insecure_hosts(value: str | tuple[str, ...] | list[str] | None) -> frozenset[str]:
    """FIELDOPS_PUSH_INSECURE_HOSTS as a set of lower-case `host` or `host:port` entries."""
    if not value:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(item.strip().lower() for item in items if item.strip())


def check_endpoint(url: str, insecure_hosts: frozenset[str] | tuple[str, ...] = frozenset()) -> CheckedEndpoint:
    """Parse, resolve and check a push endpoint; raise PushEndpointNotAllowed with the reason.

    Every address the host resolves to must be public (one private answer is enough for an
    attacker). Hosts in `insecure_hosts` may use plain http and private addresses (tests only).
    """
    if not isinstance(url, str) or len(url) > MAX_ENDPOINT_LENGTH:
        raise PushEndpointNotAllowed("The push endpoint is missing or too long.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise PushEndpointNotAllowed(f"The push endpoint is not a valid URL: {exc}.") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("https", "http") or not host:
        raise PushEndpointNotAllowed("The push endpoint must be an https URL with a host.")
    if parts.username is not None or parts.password is not None:
        raise PushEndpointNotAllowed("The push endpoint must not carry credentials.")
    if parts.fragment:
        raise PushEndpointNotAllowed("The push endpoint must not have a fragment.")
    if port is None:
        port = 443 if scheme == "https" else 80
    insecure_allowed = _is_listed(host, port, parse_insecure_hosts(tuple(insecure_hosts)))
    if scheme != "https" and not insecure_allowed:
        raise PushEndpointNotAllowed("The push endpoint must use https.")

    addresses = resolve(host, port)
    if not insecure_allowed:
        for address in addresses:
            if not is_public_address(ipaddress.ip_address(address)):
                raise PushEndpointNotAllowed(
                    f"The push endpoint host {host} resolves to a non-public address ({address})."
                )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return CheckedEndpoint(
        url=url,
        scheme=scheme,
        host=host,
        port=port,
        target=target,
        addresses=addresses,
        insecure_allowed=insecure_allowed,
    )


def resolve(host: str, port: int) -> tuple[str, ...]:
    """All addresses of `host` (literal IPs pass through getaddrinfo too), de-duplicated in order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise PushEndpointUnresolvable(f"The push endpoint host {host} does not resolve: {exc}.") from None
    addresses: list[str] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone id (fe80::1%eth0)
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise PushEndpointUnresolvable(f"The push endpoint host {host} has no IP address.")
    return tuple(addresses)


def is_public_address(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses, including IPv4 embedded in IPv6 forms."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    # is_global alone lets multicast through (233.0.0.0/8 is "global"), hence the explicit list.
    return (
        ip.is_global
        and not ip.is_multicast
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
        and not ip.is_reserved
        and not ip.is_unspecified
    )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # ::ffff:10.0.0.1, 6to4 2002:0a00:0001::, Teredo and NAT64 all reach an IPv4 host in the end:
    # judge them by that host.
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _is_listed(host: str, port: int, insecure_hosts: frozenset[str]) -> bool:
    bracketed = f"[{host}]" if ":" in host else host
    return host in insecure_hosts or bracketed in insecure_hosts or f"{bracketed}:{port}" in insecure_hosts
