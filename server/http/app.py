"""The one app factory: Services, routes, error mapping, OpenAPI, Prometheus and the PWA at `/`.

Background parts (MQTT bridge, push worker, timers) start in the lifespan and stop with it.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

from server.http.allow import allow_from_schema
from server.http.errors import EXCEPTION_HANDLERS
from server.http.openapi import complete as complete_schema
from server.http.routes import ROUTES
from server.http.static import pwa_routes
from server.logs import configure_logging
from server.runtime import start_background
from server.services import Services
from server.settings import Settings, from_env

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"

# The extension point `STARTUP_HOOKS` (server/extensions.py): what starts background parts with the app, in order
# (the bridge, the push sender and every timer: server/timers.py).
STARTUP_HOOKS: tuple = (start_background,)


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = True
    openmetrics_format = False


def create_app(settings: Settings | None = None, services: Services | None = None) -> Litestar:
    settings = settings or from_env()
    configure_logging(settings.log_level)
    services = services or Services(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        for hook in STARTUP_HOOKS:
            hook(services)
        try:
            yield
        finally:
            services.close()

    prometheus = PrometheusConfig(app_name="fieldops", prefix="fieldops_http", group_path=True, exclude=["/metrics"])
    app = Litestar(
        route_handlers=[*ROUTES, MetricsController, *pwa_routes(PWA_DIR)],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[prometheus.middleware, allow_from_schema],
        lifespan=[lifespan],
        state=None,
        on_app_init=[lambda cfg: _attach(cfg, services)],
        request_max_body_size=settings.max_body_bytes,
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, exclude_opt_key="skip_compression"),  # photos are compressed already
        openapi_config=OpenAPIConfig(
            title="FieldOps API", version="1.0.0", path="/schema",
            description="Work orders, offline sync, evidence, sensor alarms and Web Push. See CONTRACT.md.",
            render_plugins=[ScalarRenderPlugin()], use_handler_docstrings=True,
        ),
        logging_config=None,
    )
    complete_schema(app)
    return app


def _attach(cfg, services: Services):  # type: ignore[no-untyped-def]
    from litestar.datastructures import State

    cfg.state = State({"services": services})
    return cfg


log = logging.getLogger("fieldops")
