"""`make run`'s demo data goes through the same mutators as real traffic, so a new rule that the demo breaks
fails here rather than on a new machine's first start."""

from __future__ import annotations

import json

from server.blobs.store import BlobStore
from server.demo import DEMO_PASSWORD, USERS, create_demo
from tests.backend import open_store


def test_the_demo_fills_a_new_database_once_and_its_paid_job_has_a_stored_consent_drawing(tmp_path):
    store = open_store(str(tmp_path / "fieldops.db"))
    blobs = BlobStore(tmp_path / "blobs", 25 * 1024 * 1024)
    try:
        logins = create_demo(store, blobs)
        assert [(u, p) for u, p, _ in logins] == [(u[0], DEMO_PASSWORD) for u in USERS]
        paid = store.read(lambda tx: tx.one("SELECT consent FROM work_orders WHERE labor_fee > 0"))


        drawing = json.loads(paid["consent"])["signature_sha256"]
        assert blobs.exists(drawing)
        assert store.read(lambda tx: tx.one("SELECT 1 AS x FROM blobs WHERE sha256 = ?", (drawing,))) is not None
        assert create_demo(store, blobs) == logins  # a second start adds nothing
        assert store.read(lambda tx: tx.one("SELECT count(*) AS n FROM work_orders"))["n"] == 5
    finally:
        store.close()
