"""Reading work orders: one order with its audit trail and SLA state, and filtered lists."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import Controller, Response, get
from litestar.params import Parameter

from server.domain.actor import Actor
from server.domain.status_rules import STATUSES
from server.http.schemas import answer
from server.http.schemas.orders import WorkOrder
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.services import Services
from server.domain.queries import get_order, list_orders


_ONE = "(" + "|".join(STATUSES) + ")"
STATUS_FILTER = rf"^{_ONE}(,{_ONE})*\Z"


class WorkOrderController(Controller):
    path = "/api/v1/work-orders"
    tags = ["work orders"]
    dependencies = AUTHENTICATED

    @get("/{work_order_id:str}", operation_id="getWorkOrder", responses=errors(404), sync_to_thread=True)
    def get_one(self, work_order_id: str, services: Services, actor: Actor) -> WorkOrder:
        """One order as the caller may see it, with `events` (audit trail) and `sla`."""
        return answer(WorkOrder, services.read(get_order, actor, work_order_id, services.sla_targets))

    @get("/", operation_id="listWorkOrders", responses=errors(422), sync_to_thread=True)
    def list_(
        self, services: Services, actor: Actor,
        site_id: str | None = None, assignee: str | None = None,
        status: str | None = Parameter(default=None, pattern=STATUS_FILTER, description="one status or several, comma-separated"),
        limit: int = Parameter(default=100, ge=1, le=500),
        after: str | None = Parameter(default=None, description="paging cursor: the `id` of the last order of the previous page"),
    ) -> Response[list[WorkOrder]]:
        """Orders the caller may see, newest first, filtered by site, status (comma-separated) and assignee.

        A full page carries `Link: <...>; rel="next"` to the following page.
        """
        items = services.read(list_orders, actor, services.sla_targets, site_id, status, assignee, limit, after)
        headers = {}
        if len(items) == limit:
            query = urlencode({k: v for k, v in (("site_id", site_id), ("status", status), ("assignee", assignee)) if v} | {"limit": limit, "after": items[-1]["id"]})
            headers["Link"] = f'</api/v1/work-orders?{query}>; rel="next"'
        return Response(answer(list[WorkOrder], items), headers=headers)
