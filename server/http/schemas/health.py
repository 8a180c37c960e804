"""`GET /health`: what a load balancer and an operator read."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.http.schemas import Answer


class Health(Answer, omit_defaults=True):
    status: Literal["ok", "degraded"]
    db: str
    mqtt: Literal["connected", "disconnected", "disabled"]
    blobs: Annotated[str, msgspec.Meta(description="the blob store: `files` (FIELDOPS_DATA_DIR), `ok` (object store reachable) or what is wrong")]
    db_code: str | msgspec.UnsetType = msgspec.UNSET
    mqtt_detail: str | msgspec.UnsetType = msgspec.UNSET
