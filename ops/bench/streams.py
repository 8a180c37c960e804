"""Open event streams (SSE) as browsers hold them, for the benchmarks: who got which alarm when.

`with EventStreams(url, token, 500) as streams:` opens them (in a thread of their own, asyncio + httpx);
`streams.arrivals(alarm_id, timeout)` waits until every stream has seen that alarm and returns the times.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx

# A stream that opens more slowly than this failed the run (the server refused or stalled it).
OPEN_TIMEOUT_S = 60.0


class EventStreams:
    def __init__(self, url: str, token: str, count: int) -> None:
        self.url, self.token, self.count = url, token, count
        self.seen: dict[str, list[float]] = {}  # alarm id -> monotonic arrival per stream
        self.errors: list[str] = []
        self.other_events = 0
        self._opened = 0
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="bench-event-streams", daemon=True)

    def __enter__(self) -> EventStreams:
        self._thread.start()
        with self._cond:
            if not self._cond.wait_for(lambda: self._opened >= self.count or self.errors, OPEN_TIMEOUT_S):
                raise RuntimeError(f"only {self._opened}/{self.count} event streams opened")
        if self.errors:
            raise RuntimeError(f"event streams failed: {self.errors[:3]}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def arrivals(self, alarm_id: str, timeout: float) -> list[float]:
        """The monotonic time each stream received `alarm_id`; raises if not all did within `timeout`."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.seen.get(alarm_id, ())) >= self.count, timeout):
                raise RuntimeError(f"alarm {alarm_id} reached {len(self.seen.get(alarm_id, ()))}/{self.count} streams; errors {self.errors[:3]}")
            return list(self.seen[alarm_id])

    def _run(self) -> None:
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        limits = httpx.Limits(max_connections=self.count + 10, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=self.url, limits=limits, timeout=httpx.Timeout(30, read=None)) as client:
            tasks = [asyncio.create_task(self._one(client)) for _ in range(self.count)]
            await self._stop.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self, client: httpx.AsyncClient) -> None:
        try:
            async with client.stream("GET", "/api/v1/events/stream", headers={"Authorization": f"Bearer {self.token}"}) as response:
                if response.status_code != 200:
                    raise RuntimeError(f"stream answered {response.status_code}")
                event = ""
                async for line in response.aiter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                        if event == "hello":
                            with self._cond:
                                self._opened += 1
                                self._cond.notify_all()
                    elif line == "":  # an event ends at a blank line
                        event = ""
                    elif line.startswith("data:") and not line[5:].strip():
                        continue  # a keep-alive's empty data line
                    elif line.startswith("data:") and event == "alarm":
                        alarm_id = json.loads(line[5:])["id"]
                        at = time.monotonic()
                        with self._cond:
                            self.seen.setdefault(alarm_id, []).append(at)
                            self._cond.notify_all()
                    elif line.startswith("data:"):
                        self.other_events += 1
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            with self._cond:
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self._cond.notify_all()
