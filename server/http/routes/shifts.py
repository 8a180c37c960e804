"""The monitoring room's shift records (交接班) and shift schedule."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter

from server.clock import now
from server.domain.actor import Actor
from server.domain.schedule import shift_schedule
from server.domain.shifts import list_shifts
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.http.schemas import answer
from server.http.schemas.duty import Shift, ShiftSchedule
from server.services import Services


class ShiftController(Controller):
    path = "/api/v1/shifts"
    tags = ["shifts"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listShifts", responses=errors(403, 404), sync_to_thread=True)
    def shifts(self, services: Services, actor: Actor, site_id: str | None = None, limit: int = Parameter(default=100, ge=1, le=500)) -> list[Shift]:
        """Shifts of a site (default: the caller's sites), newest first, each with its handover (note, open alarms, who received it)."""
        return answer(list[Shift], services.read(list_shifts, actor, site_id, limit))

    @get("/schedule", operation_id="shiftSchedule", responses=errors(403, 404), sync_to_thread=True)
    def schedule(self, services: Services, actor: Actor, site_id: str | None = None) -> ShiftSchedule:
        """The shift running now and the next one at a site (FIELDOPS_SHIFT_CHANGES), and whether the office is open (FIELDOPS_OFFICE_HOURS)."""
        return answer(ShiftSchedule, services.read(shift_schedule, actor, site_id, now()))
