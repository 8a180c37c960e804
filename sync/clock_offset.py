"""When an offline step really happened: the device's `client_ts` corrected by its clock's offset.

The offset is measured at push time (receipt − `client_time`); a corrected time is never after receipt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.clock import parse_rfc3339

# A device's outbox holds hours of work; a tablet lost in a store room and found holds months. A corrected
# time more than a year before the push is a clock error, not a fact: it is dated at this floor, so no
# offline step lands decades before the push that carried it.
MAX_OFFLINE_S = 366 * 24 * 3600


class ClockOffset:
    """The device clock's error as seen by one push; `occurred_at` applies it to each queued step."""

    __slots__ = ("receipt", "offset")

    def __init__(self, receipt: datetime, client_time: str) -> None:
        self.receipt = receipt
        self.offset: timedelta = receipt - parse_rfc3339(client_time, "client_time")

    def occurred_at(self, client_ts: str | None) -> datetime:
        if client_ts is None:
            return self.receipt  # an app that stamps nothing: the server learned of it now
        corrected = parse_rfc3339(client_ts, "client_ts") + self.offset
        # A device clock can only make a step look later than the push that carried it; cap at receipt.
        return max(min(corrected, self.receipt), self.receipt - timedelta(seconds=MAX_OFFLINE_S))
