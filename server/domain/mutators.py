"""The one place that lists every mutator module; importing it registers them all.

Add a module here when a new area brings its own mutators.
"""

from server.domain import workorders  # noqa: F401  create_work_order, dispatch, accept, ... call_back
from server.domain import duty  # noqa: F401  ack_alarm, resolve_alarm
from server.domain import shifts  # noqa: F401  start_shift, end_shift, receive_handover
from server.domain import signoff  # noqa: F401  sign_off (evidence)
from server.domain import complaints  # noqa: F401  set_harm_ongoing
from server.domain import targets  # noqa: F401  set_service_target, set_company_day
from server.domain import accounts  # noqa: F401  add_site, rename_site, update_user, deactivate_user, reactivate_user (admin)
from server.domain import device_registry  # noqa: F401  update_device, retire_device (supervisor of the site, admin)
from server.domain import conflicts  # noqa: F401  resolve_conflict (the dispatcher's review list)
