"""When to try a failed push again: exponential backoff with jitter, honouring Retry-After.

Pure: the dispatcher asks, given a result and the attempt number, how long to wait or whether to give up.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from server.push.delivery import DeliveryResult

# An alarm is worth little after a minute (the escalation delay), so the budget is short:
# 6 attempts spaced 0.5, 1, 2, 4, 8 s (about 15 s in all) ride out a push service's brief
# 5xx/429 spell or a network blip without hammering it.
MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 30.0
# A push service's Retry-After is obeyed, but one asking for minutes would make the alarm
# useless; past this we give up and let escalation take over.
RETRY_AFTER_MAX_S = 60.0


def retry_delay_s(
    result: DeliveryResult, attempt: int, random_fraction: Callable[[], float] = random.random
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None to give up.

    Equal jitter (half fixed, half random) keeps retries from many workers from arriving in
    lockstep, while never retrying sooner than half the backoff.
    """
    if result.ok or not result.retryable or attempt >= MAX_ATTEMPTS:
        return None
    backoff = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** (attempt - 1))
    delay = backoff / 2 + random_fraction() * backoff / 2
    if result.retry_after_s is not None:
        if result.retry_after_s > RETRY_AFTER_MAX_S:
            return None
        delay = max(delay, result.retry_after_s)
    return delay
