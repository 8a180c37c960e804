"""Every mutator, listed once and by hand: the extension point `MUTATORS` (server/extensions.py).

A new write is a function described with `@mutator(...)` in its area's module and one entry here.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from server.domain import accounts, complaints, conflicts, device_registry, duty, shifts, signoff, targets, workorders
from server.domain.mutation import Mutator


def _by_name(*mutators: Mutator) -> Mapping[str, Mutator]:
    named = {m.name: m for m in mutators}
    if len(named) != len(mutators):
        raise RuntimeError(f"two mutators share a name among {sorted(m.name for m in mutators)}")
    return MappingProxyType(named)


MUTATORS: Mapping[str, Mutator] = _by_name(
    # the repair procedure (CONTRACT.md "Writes are mutations")
    workorders.create_work_order, workorders.dispatch, workorders.accept, workorders.arrive, workorders.confirm_scope,
    workorders.add_note, workorders.attach_photo, workorders.complete, workorders.defer, workorders.call_back,
    workorders.cancel,
    signoff.sign_off,  # the customer's signature over the document (evidence)
    complaints.set_harm_ongoing,
    duty.ack_alarm, duty.resolve_alarm,  # the monitoring room's alarms
    shifts.start_shift, shifts.end_shift, shifts.receive_handover,
    targets.set_service_target, targets.set_company_day,  # the company's rules
    accounts.add_site_mutator, accounts.rename_site, accounts.update_user, accounts.deactivate_user, accounts.reactivate_user,
    device_registry.update_device, device_registry.retire_device,
    conflicts.resolve_conflict,  # the dispatcher's review list
)
