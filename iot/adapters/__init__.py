"""The adapter registry: every MQTT source we understand, with the topics it reads.

Adding a source (Tasmota, Home Assistant discovery) is one adapter function and one line in ADAPTERS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import msgspec
from paho.mqtt.client import topic_matches_sub

from iot.adapters.native import TOPIC_FILTERS as NATIVE_TOPICS, adapt_native
from iot.adapters.shelly import GEN1_TOPIC_FILTERS, GEN2_TOPIC_FILTERS, adapt_shelly_gen1, adapt_shelly_gen2
from iot.adapters.zigbee2mqtt import TOPIC_FILTERS as Z2M_TOPICS, adapt_zigbee2mqtt
from iot.events import PayloadRejected, SensorEvent

__all__ = ["Adapter", "ADAPTERS", "adapt", "adapter_for", "topic_filters"]

AdapterFunction = Callable[[str, bytes], list[SensorEvent]]


class Adapter(msgspec.Struct, frozen=True):
    """One source: the MQTT topic filters it reads and the pure function that reads them."""

    name: str
    topic_filters: tuple[str, ...]
    read: AdapterFunction


# The extension point `ADAPTERS` (server/extensions.py). Order matters: the first adapter whose filter matches reads it.
ADAPTERS: tuple[Adapter, ...] = (
    Adapter("native", NATIVE_TOPICS, adapt_native),
    Adapter("zigbee2mqtt", Z2M_TOPICS, adapt_zigbee2mqtt),
    Adapter("shelly_gen1", GEN1_TOPIC_FILTERS, adapt_shelly_gen1),
    Adapter("shelly_gen2", GEN2_TOPIC_FILTERS, adapt_shelly_gen2),
)


def topic_filters() -> list[str]:
    """Every topic filter the bridge must subscribe to."""
    return [topic for adapter in ADAPTERS for topic in adapter.topic_filters]


@functools.lru_cache(maxsize=65536)
def adapter_for(topic: str) -> Adapter | None:
    # Cached: a storm repeats a few hundred topics, and matching each against every filter was a tenth of its time.
    for adapter in ADAPTERS:
        if any(topic_matches_sub(pattern, topic) for pattern in adapter.topic_filters):
            return adapter
    return None


def adapt(topic: str, payload: bytes) -> list[SensorEvent]:
    """Normalized events for one message; raises PayloadRejected with a reason when unreadable."""
    adapter = adapter_for(topic)
    if adapter is None:
        raise PayloadRejected("topic_unknown", topic=topic[:128])
    return adapter.read(topic, payload)
