"""`OPTIONS` on any documented path answers 204 with `Allow` naming exactly the methods its schema documents.

Litestar's own answer missed methods where one path's handlers come from different routes (GET and POST of a
collection); reading the schema keeps `Allow` and the published contract one and the same list.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

METHODS = ("get", "put", "post", "delete", "patch", "head")
# tus answers OPTIONS on its collection itself (its capabilities: Tus-Version, Tus-Extension, ...).
OWN_OPTIONS = ("/api/v1/uploads", "/api/v1/uploads/")


def _table(schema: dict[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    table = []
    for template, item in schema.get("paths", {}).items():
        if template == "/{path}":
            continue  # the PWA's files: OPTIONS there is Litestar's
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        methods = [m.upper() for m in METHODS if m in item]
        table.append((re.compile(pattern + "/?"), ", ".join(["OPTIONS", *methods])))
    return table


def allow_from_schema(app: ASGIApp) -> ASGIApp:
    table: list[tuple[re.Pattern[str], str]] | None = None

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal table
        if scope["type"] == "http" and scope["method"] == "OPTIONS" and scope["path"] not in OWN_OPTIONS:
            if table is None:
                table = _table(scope["litestar_app"].openapi_schema.to_schema())
            allow = next((methods for pattern, methods in table if pattern.fullmatch(scope["path"])), None)
            if allow is not None:
                await send({"type": "http.response.start", "status": 204, "headers": [(b"allow", allow.encode())]})
                await send({"type": "http.response.body", "body": b""})
                return
        await app(scope, receive, send)

    return middleware


