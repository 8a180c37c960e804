"""`POST /api/v1/mutations/{name}`: the online door to the one write path (the mutator registry)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, post
from litestar.status_codes import HTTP_200_OK

from server.domain.actor import Actor
from server.domain.registry import all_mutators
from server.http.deps import AUTHENTICATED
from server.services import Services


def _described() -> str:
    lines = ["Apply a named mutation with its arguments as the JSON body; answers the affected object.", "", "Mutations:"]
    for m in all_mutators().values():
        fields = ", ".join(m.args_type.__struct_fields__)
        lines.append(f"- `{m.name}` ({fields}) — {m.doc.splitlines()[0] if m.doc else ''} Roles: {', '.join(sorted(m.roles))}.")
    return "\n".join(lines)


class MutationController(Controller):
    path = "/api/v1/mutations"
    tags = ["mutations"]
    dependencies = AUTHENTICATED

    @post("/{name:str}", operation_id="mutate", status_code=HTTP_200_OK, sync_to_thread=True, description=_described())
    def mutate(self, name: str, data: dict[str, Any], services: Services, actor: Actor) -> dict[str, Any]:
        """Apply a mutation (404 unknown_mutation, 403 role, 409 rule of the procedure, 422 bad arguments)."""
        return services.mutate(actor, name, data)
