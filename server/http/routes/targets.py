"""`GET /api/v1/service-targets`: the service targets in force (defaults included); set with `set_service_target`.
`GET /api/v1/company-days`: the company's own closures and extra working days; set with `set_company_day`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from server.domain.actor import Actor
from server.domain.targets import list_company_days, list_targets
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


class CompanyDayController(Controller):
    path = "/api/v1/company-days"
    tags = ["service targets"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listCompanyDays", sync_to_thread=True)
    def list_(self, services: Services) -> list[dict[str, Any]]:
        """The company's closures (`working: false`) and extra working days (`working: true`) that override the national calendar."""
        return services.store.read(list_company_days)
