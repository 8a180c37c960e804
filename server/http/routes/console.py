"""The supervisor's and admin's consoles: the live escalation queue, overdue work, and accounts.

Thin handlers over server.domain.supervision and server.domain.accounts; sites, roles, deactivation and
devices change through mutations (`POST /api/v1/mutations/{name}`), passwords only through these routes.
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.clock import now
from server.domain.accounts import Account, AccountCreate, PasswordReset, create_account, list_accounts, reset_password
from server.domain.actor import Actor
from server.domain.supervision import EscalationQueue, OverdueWork, escalation_queue, overdue_work
from server.domain.escalations import complaint_policy
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.services import Services


class SupervisionController(Controller):
    path = "/api/v1/escalations"
    tags = ["supervision"]
    dependencies = AUTHENTICATED

    @get("/queue", operation_id="escalationQueue", responses=errors(403, 404), sync_to_thread=True)
    def queue(self, services: Services, actor: Actor, site_id: str | None = None) -> EscalationQueue:
        """What supervisors must act on now, newest due first (supervisor of the sites, admin).

        `items`: unacknowledged alarms past their escalation time (`alarm_unacknowledged`), harm still
        going on, important and major complaints received or not taken up, work past its resolve
        deadline, call-backs overdue — each with `waits_for` (ack, stop_harm, take_up, complete,
        call_back), `due_at`, `late_s` and its alarm or order. `next_due_at`: when the next item joins."""
        return services.read(escalation_queue, actor, complaint_policy(services), now(), site_id)

    @get("/overdue-work", operation_id="overdueWork", responses=errors(403, 404), sync_to_thread=True)
    def overdue(self, services: Services, actor: Actor, site_id: str | None = None) -> list[OverdueWork]:
        """Open orders past a service target on a step not yet done, latest first: `step`, `due_at`, `late_s`, assignee."""
        return services.read(overdue_work, actor, services.sla_targets, now(), site_id)


class AccountController(Controller):
    path = "/api/v1/accounts"
    tags = ["directory"]
    dependencies = AUTHENTICATED

    @get("/", operation_id="listAccounts", responses=errors(403), sync_to_thread=True)
    def list_(self, services: Services, actor: Actor) -> list[Account]:
        """Every account with username, role, sites and whether it is active (admin only; never a password hash)."""
        return services.read(list_accounts, actor)

    @post("/", operation_id="createAccount", responses=errors(403, 409, 422), status_code=HTTP_201_CREATED, sync_to_thread=True)
    def create(self, data: AccountCreate, services: Services, actor: Actor) -> Account:
        """Add a user with a password (at least 8 characters, stored as an argon2id hash), role and sites (admin only)."""
        return services.store.write(lambda tx: create_account(tx, actor, data))

    @post("/{user_id:str}/password", operation_id="resetPassword", responses=errors(403, 404, 422), status_code=HTTP_200_OK, sync_to_thread=True)
    def password(self, user_id: str, data: PasswordReset, services: Services, actor: Actor) -> Account:
        """Set a new password for a user (admin only); every token the user holds is revoked."""
        account = services.store.write(lambda tx: reset_password(tx, actor, user_id, data))
        services.feed.sessions_changed()  # the user's tokens were revoked: their open streams end now
        return account
