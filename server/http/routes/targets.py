"""`GET /api/v1/service-targets`: the service targets in force (defaults included); set with `set_service_target`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from server.domain.actor import Actor
from server.domain.targets import list_targets
from server.http.deps import AUTHENTICATED
from server.services import Services


class ServiceTargetController(Controller):
    path = "/api/v1/service-targets"
    tags = ["service targets"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listServiceTargets", sync_to_thread=True)
    def list_(self, services: Services, actor: Actor, site_id: str | None = None) -> list[dict[str, Any]]:
        """Company-wide targets in force and each visible site's own; with `site_id`, those in force at that site."""
        return services.store.read(lambda tx: list_targets(tx, actor, site_id))
