"""Which site a message's topic belongs to, from the topic alone: for dead letters, whose payload could not be read.

The topic names the site (native) or the device, which the registry places; anything else is unplaced (None).
"""

from __future__ import annotations

from iot.adapters import adapter_for
from server.store import Tx

__all__ = ["site_of_topic"]

# Topic tails that are not part of a Zigbee2MQTT friendly name (availability, commands).
_Z2M_TAILS = ("availability", "set", "get")


def site_of_topic(tx: Tx, topic: str) -> str | None:
    adapter = adapter_for(topic)
    if adapter is None:
        return None
    parts = topic.split("/")
    if adapter.name == "native":  # the site the topic names is believed (as `place` in server/domain/alarms/rules.py does), if it exists
        named = tx.one("SELECT id FROM sites WHERE id = ?", (parts[1],))
        return named["id"] if named else None
    if adapter.name == "zigbee2mqtt":
        names = parts[1:-1] if len(parts) > 2 and parts[-1] in _Z2M_TAILS else parts[1:]
        return _registered(tx, "zigbee2mqtt", name="/".join(names))
    if adapter.name == "shelly_gen1":
        return _registered(tx, "shelly", id=parts[1]) if len(parts) > 1 else None
    return _registered(tx, "shelly", id=parts[0])


def _registered(tx: Tx, source: str, *, id: str | None = None, name: str | None = None) -> str | None:
    if name is not None:
        row = tx.one("SELECT site_id FROM devices WHERE source = ? AND name = ?", (source, name))
    else:
        row = tx.one("SELECT site_id FROM devices WHERE id = ?", (id,))
    return row["site_id"] if row else None
