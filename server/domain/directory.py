"""Sites, users and the sensor device registry: created by the CLI or an admin, read by everyone in scope.

Devices map what a sensor calls itself (id, Zigbee2MQTT friendly name, Shelly id) to a site and zone.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from server.clock import now_text
from server.domain.access import site_scope
from server.domain.actor import Actor
from server.domain.alarms.events import SOURCES, Source
from server.domain.changes import touch
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.ids import check_slug
from server.store import Store, Tx

DEVICE_KINDS = ("water_leak", "smoke", "fire", "gas", "carbon_monoxide", "fire_panel", "door", "temperature", "other")
DeviceKind = Literal[DEVICE_KINDS]  # type: ignore[valid-type]


class DeviceCreate(msgspec.Struct, forbid_unknown_fields=True):
    id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{1,64}\Z")]
    site_id: str
    zone: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: DeviceKind
    source: Source
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


def add_site(tx: Tx, site_id: str, name: str) -> None:
    check_slug(site_id, "site id")
    if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (site_id,)):
        raise Conflict(f"site {site_id} exists", code="duplicate_id")
    tx.insert("sites", {"id": site_id, "name": name, "created_at": now_text()})
    touch(tx, "site", site_id)


def registrations_in_the_way(tx: Tx, device: DeviceCreate) -> list[dict[str, Any]]:
    """Registrations this one replaces: the same id, or the same source and name (friendly name, Shelly id)."""
    return tx.query("SELECT id, site_id FROM devices WHERE id = ? OR (source = ? AND name IS NOT NULL AND name = ?)",
                    (device.id, device.source, device.name))


def add_device(tx: Tx, device: DeviceCreate, actor: Actor | None = None) -> dict[str, Any]:
    """Register (or move) a device. With an actor, every registration it replaces must be at a site they manage:
    moving a sensor away from a site is that site's decision, never a neighbour's."""
    if actor is not None and not actor.is_admin:
        for other in registrations_in_the_way(tx, device):
            if not actor.has_site(other["site_id"]):
                raise Conflict("this device id or name is registered at a site you do not manage; an admin can move it",
                               code="device_registered_elsewhere")
    if tx.one("SELECT 1 AS x FROM sites WHERE id = ?", (device.site_id,)) is None:
        raise NotFound(f"no site {device.site_id}", code="site_not_found")
    if device.source == "zigbee2mqtt" and not device.name:
        raise Invalid("a zigbee2mqtt device needs its friendly name (--name)", code="friendly_name_required")
    row = {"id": device.id, "site_id": device.site_id, "zone": device.zone, "kind": device.kind,
           "source": device.source, "name": device.name, "created_at": now_text()}
    # Registering again moves the device (a sensor carried to another plant room).
    tx.execute("DELETE FROM devices WHERE id = ? OR (source = ? AND name IS NOT NULL AND name = ?)", (device.id, device.source, device.name))
    tx.insert("devices", row)
    return row


def register_device(store: Store, actor: Actor, device: DeviceCreate) -> dict[str, Any]:
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("only supervisors and admins register devices", code="role_not_allowed")
    if not actor.has_site(device.site_id):
        raise NotFound(f"no site {device.site_id}", code="site_not_found")
    return store.write(lambda tx: add_device(tx, device, actor))


def list_sites(tx: Tx, actor: Actor) -> list[dict[str, Any]]:
    where, params = site_scope(actor, "id")
    return tx.query(f"SELECT id, name FROM sites WHERE {where} ORDER BY id", params)


def list_users(tx: Tx, actor: Actor, role: str | None) -> list[dict[str, Any]]:
    where, params = site_scope(actor, "us.site_id")
    rows = tx.query(
        f"SELECT u.id, u.name, u.role, us.site_id FROM users u JOIN user_sites us ON us.user_id = u.id"
        f" WHERE u.active = 1 AND {where} {'AND u.role = ?' if role else ''} ORDER BY u.name, u.id, us.site_id",
        [*params, *([role] if role else [])])
    users: dict[str, dict[str, Any]] = {}  # grouped here: string aggregation is spelled differently by each database
    for r in rows:
        users.setdefault(r["id"], {"id": r["id"], "name": r["name"], "role": r["role"], "site_ids": []})["site_ids"].append(r["site_id"])
    return list(users.values())


def list_devices(store: Store, actor: Actor, site_id: str | None) -> list[dict[str, Any]]:
    where, params = site_scope(actor)
    if site_id:
        where, params = f"{where} AND site_id = ?", [*params, site_id]
    return store.read(lambda tx: tx.query(f"SELECT * FROM devices WHERE {where} ORDER BY site_id, id", params))
