"""A pull never skips a change that commits after it with a lower version: two instances' writes on one database,
committing in the bad order (the one that took its version first commits last), with a pull between them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from server.domain.directory import add_site
from server.domain.actor import SYSTEM
from server.domain.sla import DEFAULT_TARGETS
from sync.pull import pull_changes
from sync.wire import PullRequest
from tests import backend
from tests.backend import open_store

DEADLINE_S = 30.0


def _wait(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def _sites(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.id for p in result.patch if p.type == "site"}


def _blocked_on_a_lock(store) -> bool:  # type: ignore[no-untyped-def]
    if not backend.POSTGRES:
        return True  # SQLite: the second writer cannot even begin (BEGIN IMMEDIATE) while the first holds the file
    return store.read(lambda tx: tx.one("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
                                        " AND wait_event_type = 'Lock'")["n"]) > 0


def test_a_pull_between_two_writes_committing_in_the_bad_order_misses_neither(tmp_path: Path) -> None:
    first, second = open_store(tmp_path / "fieldops.db"), open_store(tmp_path / "fieldops.db")  # two instances
    try:
        full = pull_changes(first, SYSTEM, PullRequest(client_id="c1"), DEFAULT_TARGETS)
        took_version, release = threading.Event(), threading.Event()

        def slow(tx):  # type: ignore[no-untyped-def]
            add_site(tx, "east", "East Gate")  # takes its change-log version now ...
            took_version.set()
            assert release.wait(DEADLINE_S)  # ... and commits only after the other write has tried to commit

        writers = [threading.Thread(target=lambda: first.write(slow))]
        writers[0].start()
        assert took_version.wait(DEADLINE_S)
        writers.append(threading.Thread(target=lambda: second.write(lambda tx: add_site(tx, "west", "West Gate"))))
        writers[1].start()
        # With versions from a sequence the second write would commit now, above the first one's version.
        _wait(lambda: not writers[1].is_alive() or _blocked_on_a_lock(first), "the second write commits or waits")

        between = pull_changes(first, SYSTEM, PullRequest(client_id="c1", cookie=full.cookie), DEFAULT_TARGETS)
        assert "east" not in _sites(between)

        release.set()
        for w in writers:
            w.join(DEADLINE_S)
            assert not w.is_alive()
        after = pull_changes(first, SYSTEM, PullRequest(client_id="c1", cookie=between.cookie), DEFAULT_TARGETS)
        assert _sites(between) | _sites(after) == {"east", "west"}  # the cookie of `between` skipped nothing
        assert _sites(between) == set()  # the counter row held the second write back until the first committed
    finally:
        first.close()
        second.close()
