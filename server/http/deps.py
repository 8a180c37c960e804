"""Dependencies every controller shares: the Services object and the calling Actor from the bearer token.

`actor` raises 401 without a valid token, so any handler asking for it is protected.
"""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from server.domain.actor import Actor
from server.errors import Unauthorized
from server.services import Services


def provide_services(state: State) -> Services:
    return state.services


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token> (log in at /api/v1/auth/login)", code="missing_token")
    return token.strip()


def provide_actor(request: Request, services: Services) -> Actor:
    return services.session.actor_for(bearer_token(request))


SERVICES = {"services": Provide(provide_services, sync_to_thread=False)}
# The token lookup is one indexed read (tens of microseconds): on the loop it saves a thread hop per request.
AUTHENTICATED = {**SERVICES, "actor": Provide(provide_actor, sync_to_thread=False)}
