"""`fieldops serve` with one more route that does nothing (GET and POST /bench/noop), for the HTTP benchmarks:
the same process, app, middleware and uvicorn as the real routes, so the difference is what our routes add.

`NoopServer(directory).start()` runs it like tests.live_server.LiveServer (`noop_server.py --serve`; without
`--serve` it does nothing, so `make bench`, which runs every file here, passes it by).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.live_server import LiveServer  # noqa: E402

NOOP_PATH = "/bench/noop"


class NoopServer(LiveServer):
    def command(self) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "--serve"]

    def start(self, timeout_s: float = 240.0) -> "NoopServer":  # a loaded machine starts slowly
        super().start(timeout_s)
        return self


def serve() -> int:
    from litestar import get, post

    import server.http.app as http_app
    from server.cli import main

    @get(NOOP_PATH, sync_to_thread=False, include_in_schema=False)
    def noop_get() -> None:
        return None

    @post(NOOP_PATH, sync_to_thread=False, include_in_schema=False, status_code=200)
    def noop_post() -> None:
        return None

    made = http_app.create_app

    def create_app(*args, **kwargs):  # type: ignore[no-untyped-def]
        app = made(*args, **kwargs)
        app.register(noop_get)
        app.register(noop_post)
        return app

    http_app.create_app = create_app  # cmd_serve imports it when it runs
    return main(["serve"])


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    sys.exit(serve())
