"""What Litestar's generated schema cannot say by itself, added once when the app is built.

Structs that refuse unknown fields are closed objects (`additionalProperties: false`); answers that are not JSON
(pages, CSV, images, Prometheus text, the PWA's files) name their media types and bodies.
"""

from __future__ import annotations

from typing import Any, Iterator

import msgspec
from litestar import Litestar
from litestar.openapi.spec import OpenAPI, OpenAPIHeader, OpenAPIMediaType, OpenAPIResponse, Schema
from litestar.openapi.spec.enums import OpenAPIType

TEXT = Schema(type=OpenAPIType.STRING)
BYTES = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
IMAGES = ("image/jpeg", "image/png", "image/webp")
# HTTP dates (RFC 9110), not RFC 3339: Litestar documents File's Last-Modified as date-time.
HTTP_DATE = OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING), description="an HTTP date (RFC 9110)")

# operationId → (status, {media type: body schema}) for answers that are not the JSON Litestar assumed.
MEDIA: dict[str, list[tuple[str, dict[str, Schema]]]] = {
    "pwaIndex": [("200", {"text/html": TEXT})],
    "pwaFile": [("200", {"*/*": BYTES})],
    "MetricsGet": [("200", {"text/plain": TEXT})],
    "getBlob": [("200", {t: BYTES for t in IMAGES})],
    "headBlob": [("200", {t: BYTES for t in IMAGES})],
    "getReceipt": [("200", {"text/html": TEXT})],
    "openReceiptLink": [("200", {"text/html": TEXT})],
    "monthlyReportPage": [("200", {"text/html": TEXT})],
    "eventStream": [("200", {"text/event-stream": TEXT})],
}
# Answers beside the documented JSON body: the monthly report's `format=csv`.
ALSO: dict[str, list[tuple[str, dict[str, Schema]]]] = {"monthlyReport": [("200", {"text/csv": TEXT})]}
NOT_FOUND = OpenAPIResponse(description="no such file")
# Query parameters a request must carry, though the handler takes them optional: so the token is checked (401)
# before a missing one is (422 invalid_month), as for every other route.
REQUIRED = {("monthlyReport", "month"), ("monthlyReportPage", "month")}


def complete(app: Litestar) -> None:
    """Adds to the app's schema object (built now, served as it is from here on)."""
    schema = app.openapi_schema
    _close_objects(schema)
    for operation_id, status, responses in _operations(schema):
        for code, media in MEDIA.get(operation_id, ()):
            responses[code].content = {t: OpenAPIMediaType(schema=s) for t, s in media.items()}
        for code, media in ALSO.get(operation_id, ()):
            responses[code].content = {**(responses[code].content or {}), **{t: OpenAPIMediaType(schema=s) for t, s in media.items()}}
        for response in responses.values():
            if isinstance(response, OpenAPIResponse) and response.headers and "last-modified" in response.headers:
                response.headers["last-modified"] = HTTP_DATE
        for parameter in (_operation(schema, operation_id).parameters or []):
            if (operation_id, getattr(parameter, "name", None)) in REQUIRED:
                parameter.required = True
        if operation_id == "pwaFile":
            responses["404"] = NOT_FOUND


def _operations(schema: OpenAPI) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch", "head", "options"):
            operation = getattr(item, method, None)
            if operation is not None and operation.responses is not None:
                yield operation.operation_id or "", method, operation.responses


def _operation(schema: OpenAPI, operation_id: str) -> Any:
    for item in (schema.paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch", "head", "options"):
            operation = getattr(item, method, None)
            if operation is not None and operation.operation_id == operation_id:
                return operation
    return None


def _close_objects(schema: OpenAPI) -> None:
    closed = {_component_name(cls): cls for cls in _structs() if cls.__struct_config__.forbid_unknown_fields}
    for name, component in (schema.components.schemas or {}).items():
        if name in closed or any(name == long for long in _long_names(closed, name)):
            component.additional_properties = False


def _component_name(cls: type) -> str:
    return cls.__name__


def _long_names(closed: dict[str, type], name: str) -> Iterator[str]:
    # Litestar names a component by its class, prefixed with the module path when two classes share a name.
    for short, cls in closed.items():
        if name.endswith("_" + short):
            yield f"{cls.__module__}.{short}".replace(".", "_").removeprefix("server_")


def _structs() -> Iterator[type[msgspec.Struct]]:
    todo = list(msgspec.Struct.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        yield cls
