"""Live updates for open browsers (server-sent events): which alarms and orders just changed.

Writers publish from any thread; each SSE connection reads its own asyncio queue.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

# A browser that stops reading gets its oldest updates dropped, not the server's memory.
QUEUE_SIZE = 256


class LiveFeed:
    def __init__(self) -> None:
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = set()
        self._lock = threading.Lock()

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]:
        entry = (asyncio.get_running_loop(), asyncio.Queue(QUEUE_SIZE))
        with self._lock:
            self._subscribers.add(entry)
        return entry

    def unsubscribe(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]) -> None:
        with self._lock:
            self._subscribers.discard(entry)

    def publish(self, event: dict[str, Any]) -> None:
        with self._lock:
            targets = list(self._subscribers)
        for loop, q in targets:
            try:
                loop.call_soon_threadsafe(_offer, q, event)
            except RuntimeError:  # that connection's loop is closed
                self.unsubscribe((loop, q))


def _offer(q: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if q.full():
        q.get_nowait()
    q.put_nowait(event)
