"""`POST /api/v1/sync/push` and `/pull`: the HTTP door to the offline sync engine (sync/)."""

from __future__ import annotations

import re
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, post
from litestar.response import Stream
from litestar.di import Provide
from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_200_OK

from server.domain.actor import Actor
from server.errors import BadRequest
from server.http.deps import AUTHENTICATED
from server.http.errors import errors
from server.services import Services
from sync import PullRequest, PullResult, PushRequest, PushResult, apply_push
from sync.push import push_decoder

# Where msgspec says a refused value sits (`$.client_time`, `$.mutations[3].id`): the error's key, as Litestar names it.
_AT = re.compile(r"`\$\.(.+)`$")


def documented_push(data: PushRequest) -> None:
    """Never resolved (the handler does not ask for it): Litestar documents the request body from its `data`."""


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]
    dependencies = AUTHENTICATED

    @post("/push", operation_id="syncPush", responses=errors(409, 413, 422), status_code=HTTP_200_OK,
          dependencies={"documented_push": Provide(documented_push, sync_to_thread=False)})
    async def push(self, request: Request, services: Services, actor: Actor) -> PushResult:
        """Apply a device's queued mutations in order, exactly once (409 mutation_gap); 200 once they are durable."""
        body = await request.body()
        decoded = read_push(body, request.url.path)
        result = await anyio.to_thread.run_sync(apply_push, services.store, actor, decoded)
        services.rules_changed({m.name for m in decoded[1]})
        return result

    @post("/pull", operation_id="syncPull", responses=errors(422), status_code=HTTP_200_OK)
    async def pull(self, data: PullRequest, services: Services, actor: Actor) -> PullResult:
        """Everything the caller may see (cookie null) or what changed since the cookie, with rejections (422 invalid_cookie)."""
        quiet = services.quiet_pulls.answer(actor, data)  # no I/O: a quiet device's poll never leaves the loop
        if quiet is not None:
            return quiet
        answer = await anyio.to_thread.run_sync(services.quiet_pulls.pull, actor, data, services.sla_targets)
        if isinstance(answer, PullResult):
            return answer
        # A full pull is streamed a page of orders at a time (gzipped on the way like any answer): the same JSON.
        return Stream(answer, media_type="application/json", status_code=HTTP_200_OK)  # type: ignore[return-value]


def read_push(body: bytes, path: str) -> Any:
    """The push decoded once, by the one push decoder; refused as Litestar refuses a body it cannot read (400, or the
    field's own code such as 422 invalid_time), since the route reads the body itself."""
    try:
        return push_decoder().decode(body)
    except msgspec.ValidationError as exc:
        message = str(exc)
        at = _AT.search(message)
        raise ValidationException(detail=f"Validation failed for POST {path}",
                                  extra=[{"message": message.split(" - ", 1)[0], "key": at.group(1) if at else "data", "source": "body"}]) from None
    except msgspec.DecodeError:
        raise BadRequest("the request body is not valid JSON", code="malformed_json") from None
