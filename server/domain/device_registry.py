"""The sensor device registry as supervisors and admins keep it: the list with liveness (last seen,
battery, online), editing a device's zone and kind, and retiring it. Registering stays
`server.domain.directory.register_device` (`POST /api/v1/devices`); this module only calls into it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from server.clock import to_rfc3339
from server.domain.directory import DeviceKind
from server.domain.access import site_scope
from server.domain.actor import Actor
from server.domain.mutation import Ref, mutator
from server.errors import Invalid, NotFound
from server.store import Tx

DEVICE_ROLES = {"supervisor"}  # and admins, as for every mutator
Zone = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]

# sensor_devices is keyed by what the sensor calls itself on the wire: a Zigbee2MQTT device by its
# friendly name, native and Shelly devices by their id — and a native one also by the site its topic
# names (ids repeat across sites), which for a registered native device is its own site.
_WIRE_NAME = "CASE WHEN d.source = 'zigbee2mqtt' THEN d.name ELSE d.id END"
_TOPIC_SITE = "CASE WHEN d.source = 'native' THEN d.site_id ELSE '' END"
_LIVENESS = f"LEFT JOIN sensor_devices s ON s.source = d.source AND s.device = {_WIRE_NAME} AND s.topic_site = {_TOPIC_SITE}"


class DeviceUpdate(msgspec.Struct, forbid_unknown_fields=True):
    device_id: str
    zone: Zone | None = None
    kind: DeviceKind | None = None


class DeviceRef(msgspec.Struct, forbid_unknown_fields=True):
    device_id: str


def _with_liveness(row: dict[str, Any]) -> dict[str, Any]:
    online = row.pop("online")
    return {**row, "online": None if online is None else bool(online)}


def _select(where: str) -> str:
    return (f"SELECT d.id, d.site_id, d.zone, d.kind, d.source, d.name, d.created_at,"
            f" s.last_seen, s.battery, s.online FROM devices d {_LIVENESS} WHERE {where}")


def load_device(tx: Tx, actor: Actor, device_id: str) -> dict[str, Any]:
    """The device with its liveness if it is on one of the caller's sites, else 404."""
    row = tx.one(_select("d.id = ?"), (device_id,))
    if row is None or not actor.has_site(row["site_id"]):
        raise NotFound(f"no device {device_id}", code="device_not_found")
    return _with_liveness(row)


def device_registry(tx: Tx, actor: Actor, site_id: str | None = None) -> list[dict[str, Any]]:
    """Registered devices of the caller's sites with `last_seen`, `battery` and `online` (null: never heard from)."""
    clauses, params = ["1 = 1"], []
    on_sites, sites = site_scope(actor, "d.site_id")
    clauses.append(on_sites)
    params += sites
    if site_id:
        clauses.append("d.site_id = ?")
        params.append(site_id)
    return [_with_liveness(r) for r in tx.query(_select(" AND ".join(clauses)) + " ORDER BY d.site_id, d.id", params)]


@mutator("update_device", DeviceUpdate, DEVICE_ROLES, answers="device")
def update_device(tx: Tx, actor: Actor, args: DeviceUpdate, occurred_at: datetime) -> Ref:
    """Change a registered device's zone or kind (the sensor was moved or mislabelled); its site's supervisors and admins."""
    device = load_device(tx, actor, args.device_id)
    changes = {k: v for k, v in (("zone", args.zone.strip() if args.zone else None), ("kind", args.kind)) if v is not None}
    if not changes:
        raise Invalid("say what changes: zone or kind", code="nothing_to_change")
    tx.execute(f"UPDATE devices SET {', '.join(f'{c} = ?' for c in changes)} WHERE id = ?", (*changes.values(), device["id"]))
    return Ref("device", device["id"])


@mutator("retire_device", DeviceRef, DEVICE_ROLES, answers="retired_device")
def retire_device(tx: Tx, actor: Actor, args: DeviceRef, occurred_at: datetime) -> Ref:
    """Take a device out of the registry (kept in its history); no longer watched for silence, its messages count as unregistered.

    Its liveness row goes too, so a sensor taken off the wall does not raise a "silent" ticket hours later."""
    device = load_device(tx, actor, args.device_id)
    row = tx.one("SELECT * FROM devices WHERE id = ?", (device["id"],))
    tx.insert("retired_devices", {**{k: row[k] for k in ("id", "site_id", "zone", "kind", "source", "name", "created_at")},
                                  "retired_at": to_rfc3339(occurred_at), "retired_by": actor.id})
    tx.execute("DELETE FROM devices WHERE id = ?", (device["id"],))
    key = device["name"] if device["source"] == "zigbee2mqtt" else device["id"]
    topic_site = device["site_id"] if device["source"] == "native" else ""
    tx.execute("DELETE FROM sensor_devices WHERE source = ? AND topic_site = ? AND device = ?", (device["source"], topic_site, key))
    return Ref("retired_device", device["id"])


def render_device(tx: Tx, actor: Actor, device_id: str) -> dict[str, Any]:
    return load_device(tx, actor, device_id)


def render_retired(tx: Tx, actor: Actor, device_id: str) -> dict[str, Any]:
    row = tx.one("SELECT id, site_id, zone, kind, source, name, retired_at, retired_by FROM retired_devices WHERE id = ?"
                 " ORDER BY seq DESC LIMIT 1", (device_id,))
    if row is None or not actor.has_site(row["site_id"]):
        raise NotFound(f"no device {device_id}", code="device_not_found")
    return {**row, "retired": True}
