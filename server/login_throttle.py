"""The login throttle: failed logins are rows (`login_failures`), so the limits survive a restart and use no
memory however many names a stranger tries; a row is deleted once it is older than the window.

It slows a username down rather than locking an address out (one NAT can hide a whole office):
- one username from one address: `per_user` failures within the window, then 429 until the oldest ages out;
- one username from anywhere (rotating addresses): past `per_user` failures each further try waits twice as
  long after the last failure, up to `SLOW_MAX_S`;
- one address past `per_address` failures (a stranger trying many names): the names that failed from there are
  refused until the address is back under its budget; everyone else behind it still logs in.
A refused (429) try is not a failure: it tested no password, so hammering does not extend the wait.
The price of not locking the address: a stranger spraying one password over many real names from one address
gets, past its budget, one try per name per window (the pair and name limits still hold for each name).
"""

from __future__ import annotations

import math
import time

from server.errors import TooManyRequests
from server.store import Store, Tx

# The longest a username is slowed after failures from many addresses: long enough to make a distributed guess
# slow (at most one try a minute per name), short enough that the owner typing it right waits only a minute.
SLOW_MAX_S = 60.0


class LoginThrottle:
    def __init__(self, store: Store, per_user: int, per_address: int, window_s: float) -> None:
        self.store = store
        self.per_user, self.per_address, self.window_s = per_user, per_address, window_s

    def check(self, username: str, address: str) -> None:
        """429 `login_throttled` with the seconds to wait, or nothing when this try may go ahead."""
        at = time.time()
        wait = self.store.read(lambda tx: self._wait(tx, username.lower(), address, at))
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequests(f"too many failed logins; try again in {seconds} s", code="login_throttled", retry_after=seconds)

    def failed(self, username: str, address: str) -> None:
        at = time.time()

        def note(tx: Tx) -> None:
            tx.execute("DELETE FROM login_failures WHERE at <= ?", (at - self.window_s,))
            tx.insert("login_failures", {"username": username.lower(), "address": address, "at": at})

        self.store.write(note)

    def succeeded(self, username: str, address: str) -> None:
        """The owner got in from here: forget this address's failures for the name (others' stay counted)."""
        self.store.write(lambda tx: tx.execute("DELETE FROM login_failures WHERE username = ? AND address = ?", (username.lower(), address)))

    def _wait(self, tx: Tx, username: str, address: str, at: float) -> float:
        since = at - self.window_s
        pair = tx.query("SELECT at FROM login_failures WHERE username = ? AND address = ? AND at > ? ORDER BY at", (username, address, since))
        waits = [0.0]
        if len(pair) >= self.per_user:
            waits.append(pair[0]["at"] + self.window_s - at)
        name = tx.one("SELECT count(*) AS n, max(at) AS last FROM login_failures WHERE username = ? AND at > ?", (username, since))
        if name["n"] >= self.per_user:
            waits.append(name["last"] + min(2.0 ** (name["n"] - self.per_user), SLOW_MAX_S) - at)
        if pair:
            spent = tx.one("SELECT count(*) AS n FROM login_failures WHERE address = ? AND at > ?", (address, since))["n"]
            if spent >= self.per_address:
                # Back under budget once enough of the address's failures age out: the (spent - budget + 1)-th oldest.
                freed = tx.one("SELECT at FROM login_failures WHERE address = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?",
                               (address, since, spent - self.per_address))
                waits.append(freed["at"] + self.window_s - at)
        return max(waits)
