"""Process health for load balancers and the operator: can the database be written, is the MQTT bridge connected."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec

from server.blobs.health import blob_health
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
        db_code = None
        try:
            problem = services.store.health()  # file identity, free space, a write probe
            db, db_code = ("ok", None) if problem is None else (f"error: {problem.message}", problem.code)
        except Exception as exc:  # the point of a health check is to report, not to raise
            db, db_code = f"error: {exc}", "storage_failed"
        bridge = services.bridge
        mqtt = bridge.state if bridge is not None else "disabled"
        blobs = blob_health(services.settings)
        body = {"status": "ok" if db == "ok" and mqtt != "disconnected" and blobs in ("ok", "files") else "degraded", "db": db, "mqtt": mqtt,
                "blobs": blobs}
        if db_code:
            body["db_code"] = db_code
        if mqtt == "disconnected" and bridge is not None and bridge.detail:
            body["mqtt_detail"] = bridge.detail
        # Only the database makes this instance useless to a load balancer; a bridge or object store down is degraded,
        # still 200 (alarms still flow; photos wait on the phones, which retry).
        return Response(answer(Health, body), status_code=200 if db == "ok" else 503)
