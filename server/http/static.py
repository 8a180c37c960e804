"""Serves the PWA (`pwa/`) at `/`: index.html at the root, the service worker at `/sw.js` so its scope is the whole app.

The shell is versioned by the service worker's precache list, so files are sent with `no-cache` (revalidate).
"""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.response import File

from server.http.security_headers import PWA_HEADERS

# Litestar appends `; charset=utf-8` to text types itself; naming it here too doubled it.
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html",
         ".json": "application/json", ".webmanifest": "application/manifest+json", ".png": "image/png", ".svg": "image/svg+xml",
         ".ico": "image/x-icon", ".woff2": "font/woff2"}


def pwa_routes(root: Path) -> list:
    root = root.resolve()

    def send(relative: str) -> Response:
        target = (root / relative).resolve()
        if root not in target.parents or not target.is_file() or target.suffix not in TYPES:
            raise NotFoundException(f"no file {relative}")
        headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
        if target.suffix == ".html":
            headers.update(PWA_HEADERS)
        if target.name == "sw.js":
            headers["Service-Worker-Allowed"] = "/"
        return File(target, media_type=TYPES[target.suffix], headers=headers, content_disposition_type="inline")

    @get("/", include_in_schema=True, operation_id="pwaIndex", tags=["pwa"], sync_to_thread=False)
    def index() -> Response:
        """The PWA's shell (index.html)."""
        return send("index.html")

    @get("/{path:path}", include_in_schema=True, operation_id="pwaFile", tags=["pwa"], sync_to_thread=False)
    def asset(path: str) -> Response:
        """A file of the PWA (scripts, styles, icons, manifest, message catalogs, service worker)."""
        return send(path.lstrip("/"))

    return [index, asset]
