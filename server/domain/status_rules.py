"""Which order statuses each step may start from: the one table of the status rules.

The mutators check it (workorders.py, signoff.py) and the PWA's mirror in pwa/js/transitions.js is
generated from it (`python ops/transitions.py`; tests/ops/test_transitions.py fails when they differ).
"""

from __future__ import annotations

STATUSES = ("new", "dispatched", "accepted", "on_site", "in_progress", "completed", "signed_off", "closed",
            "deferred", "disputed", "cancelled")

ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    # dispatched/accepted: a reassignment before arrival (the SLA still counts the first notification)
    # disputed: the customer refused the sign-off; the office sends someone again
    "dispatch": ("new", "deferred", "dispatched", "accepted", "disputed"),
    "accept": ("dispatched",),
    "arrive": ("accepted",),
    # in_progress: the customer agrees to a changed scope or price; the new agreement replaces the old
    "confirm_scope": ("on_site", "in_progress"),
    "complete": ("in_progress",),
    "sign_off": ("completed", "disputed"),  # disputed: the customer may sign again once things are put right
    # deferred: a new promise replaces the old one
    "defer": ("new", "dispatched", "accepted", "on_site", "in_progress", "deferred"),
    # completed/disputed: the customer is called before or instead of a sign-off; closed: later attempts
    "call_back": ("completed", "signed_off", "disputed", "closed"),
    "cancel": ("new", "dispatched", "accepted", "on_site", "in_progress", "completed", "deferred", "disputed"),
}

