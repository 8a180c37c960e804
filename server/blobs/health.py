"""Whether the blob store can be reached, for /health and /metrics: `files` (the data directory), `ok`, or the error.

The object store is asked at most every CHECK_EVERY_S, since anyone may call /health in a loop.
"""

from __future__ import annotations

import threading
import time

from server.blobs import object_store
from server.metrics import BLOB_STORE_UP
from server.settings import Settings

# A load balancer polls /health every few seconds; the bucket is asked at most this often.
CHECK_EVERY_S = 5.0

_lock = threading.Lock()
_last: tuple[float, str] = (float("-inf"), "ok")


def blob_health(settings: Settings) -> str:
    global _last
    objects = object_store(settings)
    if objects is None:
        BLOB_STORE_UP.set(1)
        return "files"
    with _lock:
        at, state = _last
        if time.monotonic() - at < CHECK_EVERY_S:
            return state
        try:
            objects.check()
            state = "ok"
        except Exception as exc:  # reported, not raised: that is the point of a health check
            state = f"error: {getattr(exc, 'message', exc)}"
        _last = (time.monotonic(), state)
        BLOB_STORE_UP.set(1 if state == "ok" else 0)
        return state
