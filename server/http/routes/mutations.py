"""`POST /api/v1/mutations/{name}`: the online door to the one write path (the mutator registry).

Each registered mutator is its own documented operation at its own path (`/api/v1/mutations/accept`), with its
arguments Struct, its answer and its error codes, generated from the registry so a new mutator is documented
by registering it. The generic route behind them answers unknown names with 404 `unknown_mutation`.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Controller, Request, post
from litestar.di import Provide
from litestar.exceptions import SerializationException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK

from server.domain.actor import Actor
from server.domain.registry import Mutator, all_mutators
from server.errors import BadRequest
from server.http.deps import AUTHENTICATED
from server.http.error_codes import codes_of
from server.http.errors import ErrorBody, errors
from server.http.schemas import answer
from server.http.schemas.answers import answer_types
from server.services import Services

# What every mutation can answer besides its own rules' codes (the registry and the HTTP layer say these).
COMMON = {400: {"malformed_json", "nesting_too_deep"}, 401: {"missing_token", "invalid_token"}, 403: {"role_not_allowed"},
          409: {"constraint_violated"}, 413: {"payload_too_large"}, 422: {"invalid_arguments"},
          503: {"storage_full", "storage_failed", "database_lost"}}


def error_responses(codes: dict[int, set[str]]) -> dict[int, ResponseSpec]:
    """One documented error answer per status, its description listing the codes it carries."""
    return {status: ResponseSpec(ErrorBody, generate_examples=False, description=", ".join(f"`{c}`" for c in sorted(names)) or "no such object")
            for status, names in sorted(codes.items())}


def _codes(m: Mutator) -> dict[int, set[str]]:
    codes = {status: set(names) for status, names in COMMON.items()}
    for status, names in codes_of(m.fn).items():
        codes.setdefault(status, set()).update(names)
    if m.name != "create_work_order" and m.name not in ("add_site",):
        codes.setdefault(404, set())
    return codes


async def _apply(services: Services, actor: Actor, name: str, request: Request) -> Any:
    # The body is read raw: the registry checks the role before the arguments, and upgrades older argument
    # shapes still sent by apps in the field, so decoding belongs to it, not to the route.
    try:
        raw = await request.json()
    except SerializationException:
        raise BadRequest("the request body is not valid JSON", code="malformed_json") from None
    return await anyio.to_thread.run_sync(services.mutate, actor, name, raw)


def _operation(m: Mutator) -> HTTPRouteHandler:
    kind = answer_types()[m.answers]

    def documented_arguments(data: Any) -> None:
        """Never resolved (no handler asks for it): Litestar documents the request body from its `data`."""

    documented_arguments.__annotations__ = {"data": m.args_type, "return": None}

    async def handler(request: Request, services: Services, actor: Actor) -> Any:
        return answer(kind, await _apply(services, actor, m.name, request))

    handler.__annotations__ = {"request": Request, "services": Services, "actor": Actor, "return": kind}
    handler.__name__ = f"mutate_{m.name}"
    first = m.doc.partition("\n")[0] or m.name.replace("_", " ")
    return post(
        f"/{m.name}", operation_id=m.name, status_code=HTTP_200_OK, summary=first,
        description=f"{m.doc or first}\n\nRoles: {', '.join(sorted(m.roles))}. Answers the {m.answers.replace('_', ' ')} it changed.",
        dependencies={"documented_arguments": Provide(documented_arguments, sync_to_thread=False)},
        responses=error_responses(_codes(m)), tags=["mutations"],
    )(handler)


class MutationController(Controller):
    path = "/api/v1/mutations"
    tags = ["mutations"]
    dependencies = AUTHENTICATED

    @post("/{name:str}", operation_id="mutate", status_code=HTTP_200_OK, responses=errors(403, 404, 409, 422))
    async def mutate(self, name: str, request: Request, services: Services, actor: Actor) -> Any:
        """A mutation by name: every registered one is its own operation (`/api/v1/mutations/accept`, ...); any other name is 404 `unknown_mutation`."""
        return await _apply(services, actor, name, request)


def mutation_operations() -> list[HTTPRouteHandler]:
    """One route per registered mutator, in name order, under the controller's path and dependencies."""
    return [_operation(m) for _, m in sorted(all_mutators().items())]
