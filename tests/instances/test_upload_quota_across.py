"""The tus quota is counted in the shared database: two stores on one database (as two instances hold), reserving for
one user at the same moment, never give away more places than the quota has, on either backend."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.blobs.tus_quota import UploadQuota, UploadQuotaExceeded
from tests.backend import open_store
from tests.world import build_world

MAX_OPEN = 3


@pytest.fixture
def two_instances(tmp_path):
    build_world(str(tmp_path / "fieldops.db"))
    stores = [open_store(tmp_path / "fieldops.db"), open_store(tmp_path / "fieldops.db")]
    yield [UploadQuota(store, MAX_OPEN, 10_000, 3600) for store in stores]
    for store in stores:
        store.close()


def test_reservations_let_go_together_on_two_instances_take_exactly_the_quota(two_instances):
    tries = 4 * MAX_OPEN
    together = threading.Barrier(tries)

    def reserve(n: int) -> str:
        together.wait(30)
        try:
            two_instances[n % 2].reserve("tech", f"{n:032x}", 100)
            return "reserved"
        except UploadQuotaExceeded as refused:
            return refused.code

    with ThreadPoolExecutor(tries) as pool:
        outcomes = sorted(pool.map(reserve, range(tries)))
    assert outcomes == ["reserved"] * MAX_OPEN + ["too_many_open_uploads"] * (tries - MAX_OPEN)
    kept = two_instances[0].store.read(lambda tx: tx.query("SELECT id FROM upload_reservations WHERE owner_id = 'tech'"))
    assert len(kept) == MAX_OPEN
    # A release on one instance frees one place on the other, and the bytes are counted across both too.
    two_instances[1].release(kept[0]["id"])
    two_instances[0].reserve("tech", "f" * 32, 100)
    with pytest.raises(UploadQuotaExceeded):
        two_instances[1].reserve("tech", "e" * 32, 100)
    two_instances[0].release("f" * 32)
    with pytest.raises(UploadQuotaExceeded) as too_big:
        two_instances[1].reserve("tech", "e" * 32, 10_000 - 2 * 100 + 1)
    assert too_big.value.code == "upload_quota_exceeded"
