"""Every extension point of FieldOps, listed once with what it is for (like Datasette's hookspecs.py).

One mechanism for all: each point is one immutable list (a tuple, or a read-only mapping by name) written out by hand
in the module that uses it; built-ins are entries like any other and nothing adds itself on import. Adding a feature
is one entry in one of these lists. The README's "Extension points" is generated from POINTS (tests/test_extensions.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec


class ExtensionPoint(msgspec.Struct, frozen=True):
    """One point: the list's name, the module that holds it, and a function naming its entries."""

    name: str
    home: str
    entries: Callable[[], list[str]]
    doc: str


def mutators() -> list[str]:
    """Named writes `(tx, actor, args, occurred_at) -> Ref`: every change a client makes, online or replayed by sync."""
    from server.domain.mutators import MUTATORS

    return list(MUTATORS)


def routes() -> list[str]:
    """The HTTP API's controllers and routers (Litestar), registered by create_app()."""
    from server.http.routes import ROUTES

    return [getattr(route, "__name__", None) or f"Router {route.path}" for route in ROUTES]


def adapters() -> list[str]:
    """MQTT payload adapters: pure `(topic, payload) -> events` functions with the topic filters they read."""
    from iot.adapters import ADAPTERS

    return [adapter.name for adapter in ADAPTERS]


def synced_types() -> list[str]:
    """Object types offline clients replicate through sync pull: each module offers `full`, `changed`, `visible_ids`."""
    from sync.objects import SYNCED_TYPES

    return list(SYNCED_TYPES)


def startup_hooks() -> list[str]:
    """Background parts started with the app (MQTT bridge, push workers, timers) and stopped with Services."""
    from server.http.app import STARTUP_HOOKS

    return [f"{hook.__module__}.{hook.__name__}" for hook in STARTUP_HOOKS]


def commands() -> list[str]:
    """Sub-commands of the `fieldops` command: each entry adds its sub-parsers."""
    from server.cli import COMMANDS

    return [f"{add.__module__}.{add.__name__}" for add in COMMANDS]


def renderers() -> list[str]:
    """How each object type a mutator answers (`Mutator.answers`) is shown to the caller after the write."""
    from server.services import RENDERERS

    return list(RENDERERS)


def _point(name: str, home: str, entries: Callable[[], list[str]]) -> ExtensionPoint:
    return ExtensionPoint(name, home, entries, (entries.__doc__ or "").strip())


POINTS: tuple[ExtensionPoint, ...] = (
    _point("MUTATORS", "server.domain.mutators", mutators),
    _point("ROUTES", "server.http.routes", routes),
    _point("ADAPTERS", "iot.adapters", adapters),
    _point("SYNCED_TYPES", "sync.objects", synced_types),
    _point("STARTUP_HOOKS", "server.http.app", startup_hooks),
    _point("COMMANDS", "server.cli", commands),
    _point("RENDERERS", "server.services", renderers),
)


def the_list(point: ExtensionPoint) -> Any:
    """The list object itself (for checks that it is immutable)."""
    import importlib

    return getattr(importlib.import_module(point.home), point.name)
