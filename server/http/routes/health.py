"""Process health for load balancers and the operator: can the database be written, is the MQTT bridge connected."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec

from server.health import check_health
from server.http.deps import SERVICES
from server.http.schemas import answer
from server.http.schemas.health import Health
from server.services import Services


# 503 answers the same body (what is wrong: `db`, `db_code`), so a load balancer and an operator read one shape.
UNHEALTHY = {503: ResponseSpec(Health, generate_examples=False, description="the database cannot be written: this instance is useless")}


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]
    dependencies = SERVICES

    @get("/", operation_id="health", sync_to_thread=True, responses=UNHEALTHY)  # the write probe fsyncs: off the event loop
    def health(self, services: Services) -> Response[Health]:
        """`{"status", "db", "mqtt", ...}`; 503 when the database cannot be written (lost file, disk full, failed probe)."""
        body, useful = check_health(services)
        return Response(answer(Health, body), status_code=200 if useful else 503)
