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
        self.resyncs = 0  # streams the server told to resync (they fell QUEUE_SIZE events behind) and closed
        self.ended = 0  # streams the server ended, for any reason
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
                raise RuntimeError(f"alarm {alarm_id} reached {len(self.seen.get(alarm_id, ()))}/{self.count} streams; "
                                   f"{self.ended} streams ended ({self.resyncs} told to resync); {self.other_events} other events; errors {self.errors[:3]}")
            return list(self.seen[alarm_id])

    def _run(self) -> None:
        self._loop.run_until_complete(self._main())
        self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        tasks = [asyncio.create_task(self._one()) for _ in range(self.count)]
        await self._stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _one(self) -> None:
        """One stream on a plain asyncio connection: HTTP/1.1 by hand, chunked body, SSE lines. (httpx's line
        iterator cost ~50 µs a line: 500 streams in a storm fell seconds behind, and the figure was the client's.)"""
        address = httpx.URL(self.url)
        writer = None
        try:
            reader, writer = await asyncio.open_connection(address.host, address.port, limit=1 << 20)
            writer.write(f"GET /api/v1/events/stream HTTP/1.1\r\nHost: {address.host}:{address.port}\r\n"
                         f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n".encode())
            status = await reader.readline()
            if b" 200 " not in status:
                raise RuntimeError(f"stream answered {status.decode().strip()}")
            chunked = False
            while (header := await reader.readline()) not in (b"\r\n", b""):
                chunked |= header.lower().startswith(b"transfer-encoding:") and b"chunked" in header.lower()
            event, pending = "", b""
            while True:
                if chunked:
                    size = int((await reader.readline()).split(b";")[0], 16)
                    if size == 0:
                        break
                    pending += (await reader.readexactly(size + 2))[:-2]
                else:
                    data = await reader.read(65536)
                    if not data:
                        break
                    pending += data
                *lines, pending = pending.split(b"\n")
                for raw in lines:
                    line = raw.decode().rstrip("\r")
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
                    elif line.startswith("data:") and event == "resync":
                        with self._cond:
                            self.resyncs += 1
                    elif line.startswith("data:"):
                        self.other_events += 1
            with self._cond:
                self.ended += 1
                self._cond.notify_all()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            with self._cond:
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self._cond.notify_all()
        finally:
            if writer is not None:
                writer.close()


def _serve(conn, url: str, token: str, count: int) -> None:  # type: ignore[no-untyped-def]
    """In the child process: open the streams, say so, and on "stop" send back who saw what when."""
    try:
        with EventStreams(url, token, count) as streams:
            conn.send(("opened", None))
            conn.recv()
            with streams._cond:
                result = {"seen": streams.seen, "errors": streams.errors, "resyncs": streams.resyncs,
                          "ended": streams.ended, "other_events": streams.other_events}
        conn.send(("done", result))
    except Exception as exc:  # reported to the bench, which fails the run with it
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))


class StreamsInAProcess:
    """EventStreams in a process of its own: reading 500 streams takes a Python interpreter's whole attention, and in
    the bench's own process it would hold the GIL from the clock that stamps each push as it arrives. Arrival times
    are CLOCK_MONOTONIC, one clock for every process on the machine, so they compare with the bench's own.

    `with StreamsInAProcess(url, token, 500) as streams: ...; got = streams.results()` ({"seen": {alarm id: [times]}, ...})."""

    def __init__(self, url: str, token: str, count: int) -> None:
        import multiprocessing

        self.count = count
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, url, token, count), name="bench-event-streams", daemon=True)

    def __enter__(self) -> StreamsInAProcess:
        self._process.start()
        if not self._conn.poll(OPEN_TIMEOUT_S + 30):
            raise RuntimeError(f"the {self.count} event streams did not open")
        kind, detail = self._conn.recv()
        if kind != "opened":
            raise RuntimeError(detail)
        return self

    def results(self) -> dict:
        self._conn.send("stop")
        if not self._conn.poll(60):
            raise RuntimeError("the event streams did not report")
        kind, result = self._conn.recv()
        if kind != "done":
            raise RuntimeError(result)
        return result

    def __exit__(self, *exc: object) -> None:
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()
