"""What each mutation answers, by the Ref type its mutator names (`Mutator.answers`): one documented Struct per type.

The keys are those of server.services.RENDERERS, which builds the value a mutation answers.
"""

from __future__ import annotations

from server.domain.accounts import Account
from server.http.schemas.alarms import Alarm
from server.http.schemas.directory import Device, RetiredDevice, Site
from server.http.schemas.duty import ShiftNow
from server.http.schemas.office import CompanyDay, ServiceTarget
from server.http.schemas.orders import WorkOrder


def answer_types() -> dict[str, type]:
    """What a mutation answers, by the Ref type its mutator names (`Mutator.answers`)."""
    return {"work_order": WorkOrder, "alarm": Alarm, "shift": ShiftNow, "service_target": ServiceTarget, "company_day": CompanyDay,
            "site": Site, "account": Account, "device": Device, "retired_device": RetiredDevice}
