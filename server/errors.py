"""The one error hierarchy: domain code raises AppError subclasses with a stable code.

The HTTP layer maps `status` to the response; sync records `code` and `message` as a rejection.
"""

from __future__ import annotations


class AppError(Exception):
    status = 400
    code = "bad_request"
    # A refused mutation becomes a conflict for the office when it was sent offline (nobody heard the refusal);
    # online only when its refusal says so here: what the office must see although the sender heard it.
    tells_office = False

    def __init__(self, message: str, code: str | None = None, **detail: object) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail


class BadRequest(AppError):
    status = 400
    code = "bad_request"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    """The request is well-formed but the object's state forbids it (a rule of the procedure)."""

    status = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status = 415
    code = "unsupported_media_type"


class Invalid(AppError):
    """Arguments that fail validation."""

    status = 422
    code = "invalid_arguments"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"


class Unavailable(AppError):
    """The server cannot store anything now (disk full, database file lost): nothing was kept; try again later."""

    status = 503
    code = "storage_unavailable"
