"""Process health for load balancers and the operator: database and MQTT bridge state."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get

from server.http.deps import SERVICES
from server.services import Services


class HealthController(Controller):
    path = "/health"
    tags = ["operations"]
    dependencies = SERVICES

    @get("/", operation_id="health", sync_to_thread=False)
    def health(self, services: Services) -> Response[dict[str, Any]]:
        """`{"status", "db", "mqtt", ...}`; 503 when the database does not answer."""
        try:
            services.store.read(lambda tx: tx.one("SELECT 1 AS ok"))
            db = "ok"
        except Exception as exc:  # the point of a health check is to report, not to raise
            db = f"error: {exc}"
        bridge = getattr(services, "bridge", None)
        mqtt = bridge.state if bridge is not None else "disabled"
        body = {"status": "ok" if db == "ok" and mqtt != "disconnected" else "degraded", "db": db, "mqtt": mqtt}
        if mqtt == "disconnected" and getattr(bridge, "detail", None):
            body["mqtt_detail"] = bridge.detail
        # Only the database makes this instance useless to a load balancer; a bridge down is degraded, still 200.
        return Response(body, status_code=200 if db == "ok" else 503)
