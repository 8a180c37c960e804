"""`POST /api/v1/sync/push` and `/pull`: the HTTP door to the offline sync engine (sync/)."""

from __future__ import annotations

from anyio import to_thread
from litestar import Controller, post
from litestar.status_codes import HTTP_200_OK

from server.domain.actor import Actor
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.services import Services
from sync import PullRequest, PullResult, PushRequest, PushResult, apply_push


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]
    dependencies = AUTHENTICATED

    @post("/push", operation_id="syncPush", responses=errors(409, 413, 422), status_code=HTTP_200_OK, sync_to_thread=True)
    def push(self, data: PushRequest, services: Services, actor: Actor) -> PushResult:
        """Apply a device's queued mutations in order, exactly once (409 mutation_gap); 200 once they are durable."""
        result = apply_push(services.store, actor, data)
        services.rules_changed({m.name for m in data.mutations})
        return result

    @post("/pull", operation_id="syncPull", responses=errors(422), status_code=HTTP_200_OK)
    async def pull(self, data: PullRequest, services: Services, actor: Actor) -> PullResult:
        """Everything the caller may see (cookie null) or what changed since the cookie, with rejections (422 invalid_cookie)."""
        quiet = services.quiet_pulls.answer(actor, data)  # no I/O: a quiet device's poll never leaves the loop
        if quiet is not None:
            return quiet
        return await to_thread.run_sync(services.quiet_pulls.pull, actor, data, services.sla_targets)
