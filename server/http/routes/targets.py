"""`GET /api/v1/service-targets`: the service targets in force (defaults included); set with `set_service_target`.
`GET /api/v1/company-days`: the company's own closures and extra working days; set with `set_company_day`."""

from __future__ import annotations

from litestar import Controller, get

from server.domain.actor import Actor
from server.domain.targets import list_company_days, list_targets
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.office import CompanyDay, ServiceTarget
from server.services import Services


class ServiceTargetController(Controller):
    path = "/api/v1/service-targets"
    tags = ["service targets"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listServiceTargets", responses=errors(403, 404), sync_to_thread=True)
    def list_(self, services: Services, actor: Actor, site_id: str | None = None) -> list[ServiceTarget]:
        """Company-wide targets in force and each visible site's own; with `site_id`, those in force at that site."""
        return answer(list[ServiceTarget], services.read(list_targets, actor, site_id))


class CompanyDayController(Controller):
    path = "/api/v1/company-days"
    tags = ["service targets"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listCompanyDays", sync_to_thread=True)
    def list_(self, services: Services, actor: Actor) -> list[CompanyDay]:  # noqa: ARG002 (signed in: the actor is resolved)
        """The company's closures (`working: false`) and extra working days (`working: true`) that override the national calendar."""
        return answer(list[CompanyDay], services.read(list_company_days))
