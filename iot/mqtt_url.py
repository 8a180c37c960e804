"""The broker address from `FIELDOPS_MQTT_URL`: `mqtt[s]://[user:password@]host[:port][?ca=/path&protocol=3.1.1]`.

Parsed once into a frozen struct so the bridge never handles raw URL text.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec

from server.errors import Invalid

__all__ = ["BrokerAddress", "parse_mqtt_url"]


class BrokerAddress(msgspec.Struct, frozen=True):
    host: str
    port: int
    tls: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    """TLS only: a CA bundle to trust instead of the system store (self-signed broker)."""
    protocol: Literal["5", "3.1.1"] = "5"
    """MQTT 5 unless the broker only speaks 3.1.1 (the amqtt embedded broker)."""

    def __repr__(self) -> str:  # never print the password into logs
        return f"BrokerAddress({'mqtts' if self.tls else 'mqtt'}://{self.username or ''}@{self.host}:{self.port})"


def parse_mqtt_url(url: str) -> BrokerAddress:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise Invalid(f"MQTT URL must start with mqtt:// or mqtts://, got {parts.scheme!r}", code="bad_mqtt_url")
    if not parts.hostname:
        raise Invalid("MQTT URL has no host", code="bad_mqtt_url")
    tls = parts.scheme == "mqtts"
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise Invalid("MQTT URL has an invalid port", code="bad_mqtt_url") from None
    query = parse_qs(parts.query)
    ca = query.get("ca", [None])[0]
    protocol = query.get("protocol", ["5"])[0]
    if protocol not in ("5", "3.1.1"):
        raise Invalid(f"MQTT protocol must be 5 or 3.1.1, got {protocol!r}", code="bad_mqtt_url")
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        ca_file=ca,
        protocol=protocol,
    )
