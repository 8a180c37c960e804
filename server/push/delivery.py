"""The outcome of one attempt to hand a push message to a push service.

Stored by the caller as a delivery attempt on the alarm; `gone` means delete the subscription.
"""

from __future__ import annotations

import msgspec


class DeliveryResult(msgspec.Struct, frozen=True, kw_only=True):
    endpoint: str
    ok: bool
    """The push service accepted the message (2xx)."""
    status: int | None = None
    """The HTTP status, None when no answer came (refused endpoint, connection error, timeout)."""
    gone: bool = False
    """404/410: the subscription expired or was revoked; it must be removed."""
    retryable: bool = False
    """429, 5xx, connection errors and timeouts: worth trying again later."""
    retry_after_s: float | None = None
    """The push service's Retry-After, in seconds, when it sent one."""
    error: str | None = None
    """Why it failed: a stable code, a colon, and the detail."""
    elapsed_s: float = 0.0
    address: str | None = None
    """The IP address the request went to (after the SSRF check)."""
    attempt: int = 1
    """1 for the first try; set by the dispatcher."""
    final: bool = True
    """False when the dispatcher will try this delivery again."""
