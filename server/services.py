"""The process's parts wired together: settings, store, sessions, and the mutation entry point.

Route handlers, the sync engine and the MQTT bridge all reach the domain through one Services object.
"""

from __future__ import annotations

import logging
from datetime import datetime
from types import MappingProxyType
from typing import Any, Callable, Concatenate, Mapping, ParamSpec, Protocol, TypeVar

from server.auth import LoginThrottle, Session
from server.claims import holder_name
from server.clock import now
from server.domain.actor import Actor
from server.domain.registry import Ref, apply_or_keep, get_mutator
from server.domain import schedule
from server.domain.accounts import render_account
from server.domain.device_registry import render_device, render_retired
from server.domain.duty import load_alarm, render_alarm
from server.domain.policy import write_policies
from server.domain.shifts import render_shift
from server.domain.sla import DEFAULT_TARGETS, SlaRules
from server.domain.calendar import uncovered_year
from server.domain.targets import CALENDAR_MUTATIONS, load_calendar, render_company_day, render_target
from server.domain.views import render_order
from server.errors import AppError, NotFound
from server.metrics import MUTATIONS
from server.push.owed_sender import OwedPushSender
from server.live import LiveFeed
from server.settings import Settings
from server.store import Store, Tx, open_store
from sync.quiet import QuietPulls


P = ParamSpec("P")
T = TypeVar("T")

# Mutations that change who a user is (role, sites, active) or revoke their tokens.
ACCOUNT_MUTATIONS = frozenset({"update_user", "deactivate_user", "reactivate_user"})


class BackgroundPart(Protocol):
    """A part started with the server (push worker, bridge, timers): stopped, in reverse order, with it."""

    def stop(self) -> None: ...


class BridgeStatus(Protocol):
    """The MQTT side as /health and the gauges read it (server/runtime.py wraps iot's runtime in one)."""

    @property
    def state(self) -> str: ...

    @property
    def detail(self) -> str | None: ...

    def stop(self) -> None: ...


class Services:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        # This process's name on the background work it claims (pushes, escalations, periodic rounds).
        self.holder = holder_name(settings.mqtt_client_id)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = store or open_store(settings.store_location)
        # Orders carry the targets they were created under; these defaults judge older orders, and the calendar
        # (with the company's own days) counts working-day targets for all. Reloaded when a company day changes.
        self.sla_targets = SlaRules(DEFAULT_TARGETS, self.store.read(self._calendar))
        try:
            schedule.parse_schedule(settings.company_tz, settings.office_hours, settings.shift_changes)
        except ValueError as exc:
            raise SystemExit(f"invalid setting: {exc}") from None
        self.store.write(lambda tx: write_policies(tx, {"consent_signature": settings.consent_signature, "company_tz": settings.company_tz,
                                                        "office_hours": settings.office_hours, "shift_changes": settings.shift_changes}))
        self.session = Session(self.store, settings.token_ttl_s,
                               LoginThrottle(self.store, settings.login_max_failures, settings.login_max_failures_per_address, settings.login_window_s))
        # Parts that start with the server (MQTT bridge, push worker, escalation timers) register here.
        self.background: list[BackgroundPart] = []
        self.feed = LiveFeed(self.store)
        self.quiet_pulls = QuietPulls(self.store)  # no-change sync pulls answered from memory
        self.session.on_revoked = self.feed.sessions_changed  # open event streams recheck their token at once
        self.session.generation = lambda: self.feed.sessions_generation  # and cached tokens are read again
        # The parts `fieldops serve` starts (server/runtime.py); None in a process that only serves requests or runs a command.
        self.bridge: BridgeStatus | None = None
        self.pusher: OwedPushSender | None = None

    def read(self, fn: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Every route's read: `fn(tx, actor, ...)`, a read function of its area, in one read snapshot.

        The actor comes first when the read is scoped to a user; what it needs besides the database (the
        targets, the complaint policy, the time, the blob store) the controller passes as arguments.
        """
        return self.store.read(lambda tx: fn(tx, *args, **kwargs))

    def render(self, tx: Tx, actor: Actor, ref: Ref) -> dict[str, Any]:
        renderer = RENDERERS.get(ref.type)
        if renderer is None:
            raise NotFound(f"nothing to show for {ref.type}")
        return renderer(self, tx, actor, ref.id)

    def mutate(self, actor: Actor, name: str, args: Any, occurred_at: datetime | None = None) -> dict[str, Any]:
        """An online mutation: applied and rendered in one transaction, the time it happened being now.

        A refusal is the registry's `apply_or_keep` to keep (the mutator's salvage, a conflict when the office must
        see it), committed before the refusal is raised to the caller: the same rule as for offline pushes.
        """
        get_mutator(name)  # unknown names are 404 before anything else
        occurred = occurred_at or now()

        def apply(tx: Tx) -> dict[str, Any] | AppError:
            outcome = apply_or_keep(tx, actor, name, args, occurred)
            return outcome if isinstance(outcome, AppError) else self.render(tx, actor, outcome)

        try:
            result = self.store.write(apply)
        except AppError:
            MUTATIONS.labels(name, "refused").inc()
            raise
        if isinstance(result, AppError):
            MUTATIONS.labels(name, "refused").inc()
            raise result
        MUTATIONS.labels(name, "applied").inc()
        self.rules_changed([name])
        return result

    def _calendar(self, tx: Tx) -> Any:
        year = uncovered_year(now().date())
        if year is not None:  # said at every start, so an operator sees it before the working-day targets drift
            logging.getLogger("fieldops.calendar").warning(
                "the holiday calendar does not cover %d: update chinesecalendar or enter that year's days with set_company_day", year)
        return load_calendar(tx, self.settings.company_tz, self.settings.working_hours)

    def rules_changed(self, names: Any) -> None:
        """After mutations (online or synced) that edit the company calendar, reload it."""
        if CALENDAR_MUTATIONS.intersection(names):
            self.sla_targets = SlaRules(DEFAULT_TARGETS, self.store.read(self._calendar))
        if ACCOUNT_MUTATIONS.intersection(names):  # roles, sites or tokens changed: open streams recheck who they serve
            self.feed.sessions_changed()

    def close(self) -> None:
        for part in reversed(self.background):
            part.stop()
        self.store.close()


def _render_work_order(services: Services, tx: Tx, actor: Actor, obj_id: str) -> dict[str, Any]:
    from server.domain.access import load_order

    return render_order(tx, actor, load_order(tx, actor, obj_id), services.sla_targets)


def _render_alarm(services: Services, tx: Tx, actor: Actor, obj_id: str) -> dict[str, Any]:
    return render_alarm(load_alarm(tx, actor, obj_id))


# The extension point `RENDERERS` (server/extensions.py): how each Ref type a mutator answers is shown to the caller.
RENDERERS: Mapping[str, Any] = MappingProxyType({
    "work_order": _render_work_order,
    "alarm": _render_alarm,
    "shift": lambda services, tx, actor, obj_id: render_shift(tx, actor, obj_id),
    "service_target": lambda services, tx, actor, obj_id: render_target(tx, obj_id),
    "company_day": lambda services, tx, actor, obj_id: render_company_day(tx, obj_id),
    # sites, accounts and devices as the supervisor's and admin's consoles show them after a change
    "site": lambda services, tx, actor, obj_id: tx.one("SELECT id, name FROM sites WHERE id = ?", (obj_id,)),
    "account": lambda services, tx, actor, obj_id: render_account(tx, obj_id),
    "device": lambda services, tx, actor, obj_id: render_device(tx, actor, obj_id),
    "retired_device": lambda services, tx, actor, obj_id: render_retired(tx, actor, obj_id),
})
