"""Who is acting: a logged-in user with a role and sites, or the system itself (sensors, timers).

Mutators receive an Actor; they never see tokens or HTTP requests.
"""

from __future__ import annotations

import msgspec

ROLES = ("dispatcher", "technician", "guard", "supervisor", "admin")


class Actor(msgspec.Struct, frozen=True):
    id: str
    name: str
    role: str
    site_ids: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def has_site(self, site_id: str) -> bool:
        return self.is_admin or site_id in self.site_ids


# Alarms and escalations act as the system, with every site.
SYSTEM = Actor(id="system", name="FieldOps", role="admin")
