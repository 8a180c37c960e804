"""The order statuses, their sets (finished, job over, active) and which statuses each step may start from: written once.

The mutators check it (workorders.py, signoff.py) and the PWA's mirror in pwa/js/transitions.js is
generated from it (`python ops/transitions.py`; tests/ops/test_transitions.py fails when they differ).
"""

from __future__ import annotations

STATUSES = ("new", "dispatched", "accepted", "on_site", "in_progress", "completed", "signed_off", "closed",
            "deferred", "disputed", "cancelled")
# Nothing more happens to the order: no step, no escalation, no call-back owed.
FINISHED: tuple[str, ...] = ("closed", "cancelled")
# The job on site is over (signed off, or finished): no one is sent, the customer's details leave the technician's view.
JOB_OVER: tuple[str, ...] = ("signed_off", *FINISHED)
# Still being worked on: what a guard's handover lists and a technician holds.
ACTIVE_STATUSES: tuple[str, ...] = tuple(s for s in STATUSES if s not in JOB_OVER)


def sql_list(statuses: tuple[str, ...]) -> str:
    """`('closed', 'cancelled')` for a SQL `IN`: the statuses are our constants, never input, so they are inlined."""
    return "(" + ", ".join(f"'{s}'" for s in statuses) + ")"

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


# Calls for help and emergencies (DOMAIN.md "求助"): nothing to pay and often no customer present, so there is no
# scope and price to agree. The technician completes them straight from on site (what was done, photos, who was
# there); in_progress stays allowed for the rare one where a price was agreed after all.
UNPRICED_CATEGORIES: tuple[str, ...] = ("help", "emergency")
UNPRICED_FROM: dict[str, tuple[str, ...]] = {
    "complete": ("on_site", "in_progress"),
}


def allowed_from(step: str, category: str | None) -> tuple[str, ...]:
    """The statuses `step` may start from for an order of this category."""
    if category in UNPRICED_CATEGORIES and step in UNPRICED_FROM:
        return UNPRICED_FROM[step]
    return ALLOWED_FROM[step]
