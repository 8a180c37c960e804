"""Every error leaves as `{"error": {"code", "message"}}` with a fitting 4xx; anything else is a logged 500.

Domain AppErrors carry their own status and code; Litestar's own exceptions are translated here.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from server.errors import AppError
from server.store.guard import storage_failure

log = logging.getLogger("fieldops.http")

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_arguments", 429: "too_many_requests"}


Code = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]*$", description="stable snake_case error code")]


class ErrorDetail(msgspec.Struct, omit_defaults=True):
    """What went wrong: a stable `code`, a sentence for people, and the facts a client can act on (only those that apply)."""

    code: Code
    message: str
    last_mutation_id: Annotated[int, msgspec.Meta(description="`mutation_gap`: the last mutation id the server has processed for this client; resend from the next one.")] | msgspec.UnsetType = msgspec.UNSET
    retry_after: Annotated[int, msgspec.Meta(description="429 and 503: seconds to wait before trying again (also the `Retry-After` header).")] | msgspec.UnsetType = msgspec.UNSET
    offset: Annotated[int, msgspec.Meta(description="tus `offset_mismatch`: how many bytes of the upload the server has.")] | msgspec.UnsetType = msgspec.UNSET
    status: Annotated[str, msgspec.Meta(description="`invalid_status`: the status the work order is in.")] | msgspec.UnsetType = msgspec.UNSET
    first: Annotated[str, msgspec.Meta(description="`month_out_of_range`: the first month a report can cover (YYYY-MM).")] | msgspec.UnsetType = msgspec.UNSET
    last: Annotated[str, msgspec.Meta(description="`month_out_of_range`: the last month a report can cover (YYYY-MM).")] | msgspec.UnsetType = msgspec.UNSET


class ErrorBody(msgspec.Struct):
    """Every error answer: `{"error": {"code", "message", ...details}}`."""

    error: ErrorDetail


DETAIL_FIELDS = frozenset(ErrorDetail.__struct_fields__) - {"code", "message"}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None, /, **detail: object) -> Response:
    unknown = set(detail) - DETAIL_FIELDS
    if unknown:  # a detail the schema does not describe would be a field no client knows: add it to ErrorDetail
        log.warning("error %s carries undocumented details %s; dropped", code, sorted(unknown))
    known = {k: v for k, v in detail.items() if k in DETAIL_FIELDS}
    return Response(ErrorBody(msgspec.convert({"code": code, "message": message, **known}, ErrorDetail)), status_code=status, headers=headers)


def app_error(_: Request, exc: AppError) -> Response:
    headers = {"Retry-After": str(exc.detail["retry_after"])} if "retry_after" in exc.detail else None
    return error_response(exc.status, exc.code, exc.message, headers, **exc.detail)


# Query and path parameters whose refusal (by their schema constraint) keeps the status and code it had when
# the handler checked them itself: (status, code, what a valid value is).
PARAMETER_CODES = {
    "month": (422, "invalid_month", "month must be YYYY-MM between 2000-01 and 2100-12"),
    "format": (422, "invalid_format", "format is json or csv"),
    "lang": (422, "unsupported_language", "lang must be zh-CN or en"),
    "status": (422, "invalid_filter", "status is one work-order status or several, comma-separated"),
    "client_time": (422, "invalid_time", "client_time must be an RFC 3339 time with its offset, between 1970 and 2199"),
    "sha256": (400, "invalid_blob_name", "a blob is named by the lower-case hex SHA-256 of its bytes (64 characters)"),
}


def validation_error(request: Request, exc: ValidationException) -> Response:
    detail = exc.detail or "the request could not be read"
    code = "malformed_json" if "json" in detail.lower() or "decode" in detail.lower() else "invalid_request"
    extra = exc.extra if isinstance(exc.extra, list) else []
    keys = [e.get("key") for e in extra if isinstance(e, dict)]
    if keys and all(k in PARAMETER_CODES for k in keys):
        status, known, rule = PARAMETER_CODES[keys[0]]
        if keys[0] == "month" and re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", request.query_params.get("month") or ""):
            known, rule = "month_out_of_range", "month must be between 2000-01 and 2100-12"  # well formed, outside the years kept
        return error_response(status, known, rule)
    message = detail + ("".join(f"; {e.get('key', '')}: {e.get('message', '')}" for e in extra if isinstance(e, dict)))
    return error_response(400, code, message)


def http_error(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status >= 500:
        log.error("http error %s: %s", status, exc.detail)
    code = "route_not_found" if isinstance(exc, NotFoundException) else _CODES.get(status, "error")
    if status == 400 and "malformed" in str(exc.detail).lower():
        code = "malformed_json"
    return error_response(status, code, exc.detail or code.replace("_", " "), exc.headers)


def too_deep(_: Request, exc: RecursionError) -> Response:
    # msgspec refuses JSON nested past its recursion limit while decoding a body: the client's fault, not ours
    return error_response(400, "nesting_too_deep", "the request body nests too deeply to be read")


def unexpected_error(request: Request, exc: Exception) -> Response:
    failure = storage_failure(exc)  # e.g. a blob written to a full disk: 503 with a code, not a 500
    if failure is not None:
        log.error("storage failure on %s %s: %s", request.method, request.url.path, exc)
        return app_error(request, failure)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "something went wrong on the server; it has been logged")


EXCEPTION_HANDLERS = {AppError: app_error, ValidationException: validation_error, HTTPException: http_error,
                      RecursionError: too_deep, Exception: unexpected_error}


# What each error status means across the API; an operation lists the ones it can answer (`errors(...)`).
_MEANING = {
    400: "the request could not be read (`malformed_json`, `invalid_request`, a bad header or name)",
    401: "no valid bearer token (`missing_token`, `invalid_token`); log in at /api/v1/auth/login",
    403: "the caller's role or sites do not allow it (`role_not_allowed`, `forbidden`, `site_not_allowed`)",
    404: "no such object, or one the caller may not know exists",
    409: "a rule of the procedure or the object's state refuses it (the code says which)",
    412: "a tus request without `Tus-Resumable: 1.0.0`",
    413: "the body is larger than the server accepts",
    415: "the body is not of a type this operation accepts",
    422: "the arguments are not valid (`invalid_arguments` and more specific codes)",
    429: "too many requests; `Retry-After` says when to try again",
    503: "the server cannot store anything now (`storage_full`, `storage_failed`, `database_lost`); `Retry-After` says when to try again",
}


def errors(*statuses: int, public: bool = False) -> dict[int, ResponseSpec]:
    """The documented error answers of an operation: 400 and 503 always, 401 unless `public`, and `statuses`."""
    wanted = {400, 503, *statuses} | (set() if public else {401})
    return {status: ResponseSpec(ErrorBody, generate_examples=False, description=_MEANING[status]) for status in sorted(wanted)}
