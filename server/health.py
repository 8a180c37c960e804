"""The process's health for load balancers and the operator: can the database be written, is the MQTT bridge
connected, can the blob store be reached. A probe of this process's parts, not a read of the domain.
"""

from __future__ import annotations

from typing import Any

from server.blobs.health import blob_health
from server.services import Services


def check_health(services: Services) -> tuple[dict[str, Any], bool]:
    """`{"status", "db", "mqtt", "blobs", ...}` and whether this instance is of use (its database can be written)."""
    db_code = None
    try:
        problem = services.store.health()  # file identity, free space, a write probe
        db, db_code = ("ok", None) if problem is None else (f"error: {problem.message}", problem.code)
    except Exception as exc:  # the point of a health check is to report, not to raise
        db, db_code = f"error: {exc}", "storage_failed"
    bridge = services.bridge
    mqtt = bridge.state if bridge is not None else "disabled"
    blobs = blob_health(services.settings)
    body: dict[str, Any] = {"status": "ok" if db == "ok" and mqtt != "disconnected" and blobs in ("ok", "files") else "degraded", "db": db,
                            "mqtt": mqtt, "blobs": blobs}
    if db_code:
        body["db_code"] = db_code
    if mqtt == "disconnected" and bridge is not None and bridge.detail:
        body["mqtt_detail"] = bridge.detail
    # Only the database makes this instance useless to a load balancer; a bridge or object store down is degraded,
    # still 200 (alarms still flow; photos wait on the phones, which retry).
    return body, db == "ok"
