"""The monitoring room's shift records (交接班) and shift schedule."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import Parameter

from server.clock import now
from server.domain import schedule
from server.domain.access import require_site
from server.domain.actor import Actor
from server.domain.shifts import list_shifts
from server.http.deps import AUTHENTICATED
from server.services import Services


class ShiftController(Controller):
    path = "/api/v1/shifts"
    tags = ["shifts"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listShifts", sync_to_thread=True)
    def shifts(self, services: Services, actor: Actor, site_id: str | None = None, limit: int = Parameter(default=100, ge=1, le=500)) -> list[dict[str, Any]]:
        """Shifts of a site (default: the caller's sites), newest first, each with its handover (note, open alarms, who received it)."""
        return services.store.read(lambda tx: list_shifts(tx, actor, site_id, limit))

    @get("/schedule", operation_id="shiftSchedule", sync_to_thread=True)
    def schedule(self, services: Services, actor: Actor, site_id: str | None = None) -> dict[str, Any]:
        """The shift running now and the next one at a site (FIELDOPS_SHIFT_CHANGES), and whether the office is open (FIELDOPS_OFFICE_HOURS)."""
        if site_id is not None:
            require_site(actor, site_id)
        return services.store.read(lambda tx: schedule.shift_windows(schedule.schedule_in(tx), site_id, now()))
