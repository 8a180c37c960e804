"""The service centre's queues: call-backs due (回访), open complaints with their deadlines, and the
escalations sent to supervisors. Office roles only (dispatcher, supervisor, admin).
"""

from __future__ import annotations

from typing import Literal

from litestar import Controller, get
from litestar.params import Parameter, QueryParameter

from server.clock import now
from server.domain.actor import Actor
from server.domain.complaints import call_back_queue, open_complaints
from server.domain.escalations import complaint_policy
from server.domain.supervision import escalations_seen_by
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.office import CallBackDue, Escalation, OpenComplaint
from server.services import Services


class CallBackController(Controller):
    path = "/api/v1/call-backs"
    tags = ["complaints"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listCallBacks", responses=errors(403, 404), sync_to_thread=True)
    def queue(self, services: Services, actor: Actor, site_id: str | None = None) -> list[CallBackDue]:
        """Orders waiting for a call-back (回访) that reaches the customer, earliest due first.

        Every complaint and every urgent or emergency job, once fixed: due 7 days after the fix for major
        ones, 14 days for other complaints; with `attempts` so far, `last_attempt_at` and `overdue`."""
        return answer(list[CallBackDue], services.read(call_back_queue, actor, services.sla_targets, now(), site_id))


class ComplaintController(Controller):
    path = "/api/v1/complaints"
    tags = ["complaints"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listComplaints", responses=errors(403, 404), sync_to_thread=True)
    def open_(self, services: Services, actor: Actor, site_id: str | None = None) -> list[OpenComplaint]:
        """Open complaints with their deadlines per level; harm still going on first.

        `deadlines`: handle_by (important: 1 hour, major: the same day), answer_by (major: 2 days),
        resolve_by (minor 2, important 3, major 10 days), call_back_by (once fixed)."""
        return answer(list[OpenComplaint], services.read(open_complaints, actor, complaint_policy(services), now(), site_id))


class EscalationController(Controller):
    path = "/api/v1/escalations"
    tags = ["complaints"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listEscalations", responses=errors(403, 404), sync_to_thread=True)
    def list_(self, services: Services, actor: Actor, site_id: str | None = None,
              wanted: Literal["pending", "fired", "dropped"] | None = QueryParameter(name="state", default=None, description="pending, fired or dropped"),
              limit: int = Parameter(default=100, ge=1, le=500)) -> list[Escalation]:
        """Escalation timers (complaints, harm ongoing, overdue work and call-backs), newest due first."""
        return answer(list[Escalation], services.read(escalations_seen_by, actor, site_id, wanted, limit))
