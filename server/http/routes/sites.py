"""Sites, users (name and role) and the sensor device registry."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.status_codes import HTTP_201_CREATED

from server.domain.directory import DeviceCreate, list_sites, list_users, register_device
from server.domain.device_registry import device_registry
from server.domain.actor import Actor
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.directory import Colleague, Device, Role, Site
from server.services import Services


class DirectoryController(Controller):
    path = "/api/v1"
    tags = ["directory"]
    dependencies = AUTHENTICATED

    @get("/sites", operation_id="listSites", responses=errors(), sync_to_thread=True)
    def sites(self, services: Services, actor: Actor) -> list[Site]:
        """The sites the caller works on."""
        return answer(list[Site], services.read(list_sites, actor))

    @get("/users", operation_id="listUsers", responses=errors(), sync_to_thread=True)
    def users(self, services: Services, actor: Actor, role: Role | None = None) -> list[Colleague]:
        """Colleagues on the caller's sites: id, name, role and sites (no credentials)."""
        return answer(list[Colleague], services.read(list_users, actor, role))


class DeviceController(Controller):
    path = "/api/v1/devices"
    tags = ["sensors"]
    dependencies = AUTHENTICATED

    @post("/", operation_id="registerDevice", responses=errors(403, 404, 409, 422), status_code=HTTP_201_CREATED, sync_to_thread=True)
    def register(self, data: DeviceCreate, services: Services, actor: Actor) -> Device:
        """Map a sensor (device id, Zigbee2MQTT friendly name or Shelly id) to a site and zone (supervisor, admin)."""
        return answer(Device, register_device(services.store, actor, data))

    @get("/", operation_id="listDevices", responses=errors(403, 404), sync_to_thread=True)
    def list_(self, services: Services, actor: Actor, site_id: str | None = None) -> list[Device]:
        """Registered devices of the caller's sites, with `last_seen`, `battery` and `online` from their messages (null: never heard from)."""
        return answer(list[Device], services.read(device_registry, actor, site_id))

