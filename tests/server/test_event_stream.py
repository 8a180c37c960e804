"""The live event stream (SSE): work orders changed by any write path are announced to those who may see them,
a stream whose token is revoked or expires delivers nothing more and ends, and one that falls more than the
queue's bound behind is told to resync and closed instead of silently losing events."""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx

from tests.live_server import LiveServer, new_order_args

WAIT_S = 10


class EventStream:
    """GET /api/v1/events/stream read on a thread: (event, data) pairs as they come, and whether the server closed it."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.events: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.closed = threading.Event()
        self.opened = threading.Event()
        self._client = httpx.Client(base_url=server.url, timeout=httpx.Timeout(10, read=60))
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        threading.Thread(target=self._read, daemon=True).start()
        assert self.next(WAIT_S)[0] == "hello"

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/api/v1/events/stream", headers=self._headers) as r:
                assert r.status_code == 200, r.status_code
                name, data = "message", []
                for line in r.iter_lines():
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].removeprefix(" "))
                    elif line == "":  # an event ends at a blank line; keep-alives carry an empty data line
                        if "".join(data):
                            self.events.put((name, json.loads("\n".join(data))))
                        name, data = "message", []
        except httpx.HTTPError:
            pass
        finally:
            self.closed.set()

    def next(self, timeout: float = WAIT_S) -> tuple[str, dict]:
        return self.events.get(timeout=timeout)

    def next_work_order(self, timeout: float = WAIT_S) -> str:
        while True:
            name, data = self.next(timeout)
            if name == "work_order":
                return data["id"]

    def received(self) -> list[tuple[str, dict]]:
        got = []
        while not self.events.empty():
            got.append(self.events.get_nowait())
        return got

    def close(self) -> None:
        self._client.close()


def token_of(client) -> str:
    return client.headers["Authorization"].split(" ", 1)[1]


def test_a_new_order_is_announced_to_its_sites_office_and_not_to_another_sites(live: LiveServer):
    north, south = live.login("disp"), live.login("disp_south")
    north_stream, south_stream = EventStream(live, token_of(north)), EventStream(live, token_of(south))
    try:
        north_order = north.ok("create_work_order", **new_order_args("north"))
        south_order = south.ok("create_work_order", **new_order_args("south"))
        assert north_stream.next_work_order() == north_order["id"]
        assert south_stream.next_work_order() == south_order["id"]  # never the north one before it
        # an offline device's push is announced too: every write path goes through the change log
        north.post("/api/v1/sync/push", json={"client_id": "tablet-7", "client_time": "2026-11-23T10:00:00Z", "mutations": [
            {"id": 1, "name": "dispatch", "args": {"work_order_id": north_order["id"], "technician_id": live.login("tech").user["id"]},
             "client_ts": "2026-11-23T10:00:00Z"}]}).raise_for_status()
        assert north_stream.next_work_order() == north_order["id"]
    finally:
        north_stream.close()
        south_stream.close()


def test_a_stream_whose_token_is_logged_out_delivers_nothing_more_and_ends(live: LiveServer):
    leaving, staying = live.login("disp"), live.login("disp")
    leaving_stream, staying_stream = EventStream(live, token_of(leaving)), EventStream(live, token_of(staying))
    try:
        assert leaving.post("/api/v1/auth/logout").status_code in (200, 204)
        order = staying.ok("create_work_order", **new_order_args("north"))
        assert staying_stream.next_work_order() == order["id"]
        assert leaving_stream.closed.wait(WAIT_S), "the logged-out stream is still open"
        assert [name for name, _ in leaving_stream.received()] == []
    finally:
        leaving_stream.close()
        staying_stream.close()


def test_a_stream_ends_when_its_token_expires(start_server):
    server = start_server(env={"FIELDOPS_TOKEN_TTL_S": "3"})
    disp = server.login("disp")
    logged_in = time.monotonic()
    stream = EventStream(server, token_of(disp))
    try:
        assert stream.closed.wait(WAIT_S), "the stream outlived its token"
        assert time.monotonic() - logged_in >= 2.5
        assert server.anonymous().get("/api/v1/events/stream", headers={"Authorization": f"Bearer {token_of(disp)}"}).status_code == 401
    finally:
        stream.close()


def test_a_stream_more_than_the_bound_behind_is_told_to_resync_and_closed(live: LiveServer):
    disp = live.login("disp")
    stream = EventStream(live, token_of(disp))
    try:
        # 600 orders in one offline push: one commit, announced at once, more than the 256 a stream may hold
        mutations = [{"id": n, "name": "create_work_order", "args": new_order_args("north"), "client_ts": "2026-11-23T10:00:00Z"}
                     for n in range(1, 601)]
        disp.post("/api/v1/sync/push", json={"client_id": "tablet-burst", "client_time": "2026-11-23T10:00:00Z",
                                             "mutations": mutations}).raise_for_status()
        assert stream.closed.wait(WAIT_S), "the overflowing stream was not closed"
        got = stream.received()
        assert got and got[-1] == ("resync", {"type": "resync", "reason": "too_many_events"})
        assert len(got) - 1 < 256
    finally:
        stream.close()
