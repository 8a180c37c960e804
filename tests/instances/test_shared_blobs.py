"""Blobs shared through a real S3-compatible store (SeaweedFS): two instances with data directories of their own and
one database; a photo put on one is read on the other, a tus upload started on one is finished on the other, and a
user's quota of unfinished uploads holds across both."""

from __future__ import annotations

import base64
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.evidence.photos import phone_photo, sha

TUS = {"Tus-Resumable": "1.0.0"}
PATCH = {**TUS, "Content-Type": "application/offset+octet-stream"}
MAX_OPEN = 3  # FIELDOPS_MAX_OPEN_UPLOADS on both instances


@pytest.fixture
def two_hosts(start_server, object_store, tmp_path):
    """Instances a and b: one database (b's file is a link to a's, as two hosts share one PostgreSQL), one bucket prefix,
    nothing else shared — each has its own blob cache, upload spool and data directory."""
    prefix = f"t-{tmp_path.name}"[-40:]
    env = {**object_store.env, "FIELDOPS_BLOB_URL": f"s3://fieldops/{prefix}", "FIELDOPS_MAX_OPEN_UPLOADS": str(MAX_OPEN)}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = start_server(env={**env, "FIELDOPS_MQTT_CLIENT_ID": "fieldops-a"}, data_dir=tmp_path / "a")
    (tmp_path / "b" / "fieldops.db").symlink_to(tmp_path / "a" / "fieldops.db")
    b = start_server(env={**env, "FIELDOPS_MQTT_CLIENT_ID": "fieldops-b"}, data_dir=tmp_path / "b")
    return a, b, prefix


def local_copy(server, sha256: str) -> Path:
    return Path(server.data_dir) / "blobs" / sha256[:2] / sha256


def test_a_photo_put_on_one_instance_is_kept_in_the_object_store_and_read_on_the_other(two_hosts, object_store):
    a, b, prefix = two_hosts
    data = phone_photo(width=320, height=240, seed=b"shared")
    put = a.login("tech").put(f"/api/v1/blobs/{sha(data)}", content=data)
    assert put.status_code == 201, put.text
    assert object_store.keys(f"{prefix}/blobs/") == [f"{prefix}/blobs/{sha(data)[:2]}/{sha(data)}"]
    assert not local_copy(b, sha(data)).exists()
    tech_on_b = b.login("tech")
    assert tech_on_b.head(f"/api/v1/blobs/{sha(data)}").status_code == 200
    got = tech_on_b.get(f"/api/v1/blobs/{sha(data)}")
    assert got.status_code == 200 and got.content == data
    assert local_copy(b, sha(data)).read_bytes() == data  # fetched once into b's cache
    thumb = tech_on_b.get(f"/api/v1/blobs/{sha(data)}", params={"thumb": 1})
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    again = tech_on_b.put(f"/api/v1/blobs/{sha(data)}", content=data)
    assert again.status_code == 200  # content-addressed: the store already has these bytes
    # one VAPID key for the installation, though neither host has it in its data directory
    keys = {server.login("guard").get("/api/v1/push/key").json()["public_key"] for server in (a, b)}
    assert len(keys) == 1 and not list(Path(a.data_dir).glob("vapid*")) and not list(Path(b.data_dir).glob("vapid*"))


def test_a_tus_upload_created_on_one_instance_resumes_and_finishes_on_the_other(two_hosts, object_store):
    a, b, prefix = two_hosts
    data = phone_photo(width=900, height=700, seed=b"across")
    on_a, on_b = a.login("tech"), b.login("tech")
    created = on_a.post("/api/v1/uploads/", headers={**TUS, "Upload-Length": str(len(data)),
                                                     "Upload-Metadata": f"sha256 {base64.b64encode(sha(data).encode()).decode()}"})
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    half = len(data) // 2
    first = on_a.patch(location, content=data[:half], headers={**PATCH, "Upload-Offset": "0"})
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(half)
    # a's spool holds nothing of it: the state is in the object store
    assert not [p for p in (Path(a.data_dir) / "blobs" / "uploads").iterdir()]
    head = on_b.head(location, headers=TUS)
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(half) and head.headers["Upload-Length"] == str(len(data))
    stale = on_b.patch(location, content=data[:10], headers={**PATCH, "Upload-Offset": "0"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "offset_mismatch"
    checksum = base64.b64encode(hashlib.sha1(b"not the rest").digest()).decode()
    bad = on_b.patch(location, content=data[half:], headers={**PATCH, "Upload-Offset": str(half), "Upload-Checksum": f"sha1 {checksum}"})
    assert bad.status_code == 460 and on_b.head(location, headers=TUS).headers["Upload-Offset"] == str(half)
    rest = on_b.patch(location, content=data[half:], headers={**PATCH, "Upload-Offset": str(half)})
    assert rest.status_code == 204, rest.text
    assert rest.headers["Upload-Offset"] == str(len(data)) and rest.headers["Location"] == f"/api/v1/blobs/{sha(data)}"
    assert on_a.get(f"/api/v1/blobs/{sha(data)}").content == data
    assert object_store.keys(f"{prefix}/uploads/") == []  # the parts are gone once the blob is stored
    assert on_b.head(location, headers=TUS).status_code == 404


def test_another_user_cannot_see_or_finish_an_upload_on_either_instance(two_hosts):
    a, b, _ = two_hosts
    data = phone_photo(seed=b"private")
    created = a.login("tech").post("/api/v1/uploads/", headers={**TUS, "Upload-Length": str(len(data)),
                                                                "Upload-Metadata": f"sha256 {base64.b64encode(sha(data).encode()).decode()}"})
    location = created.headers["Location"]
    stranger = b.login("tech_b")
    assert stranger.head(location, headers=TUS).status_code == 404
    r = stranger.patch(location, content=data, headers={**PATCH, "Upload-Offset": "0"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "upload_not_found"


def test_a_users_quota_of_open_uploads_holds_across_instances_even_for_creations_at_the_same_moment(two_hosts, object_store):
    a, b, prefix = two_hosts
    tech = [a.login("tech"), b.login("tech")]
    tries = 4 * MAX_OPEN
    together = threading.Barrier(tries)

    def create(n: int):  # half of them on each instance, all let go at once
        together.wait(60)
        return tech[n % 2].post("/api/v1/uploads/", headers={**TUS, "Upload-Length": "1000", "Upload-Metadata": f"sha256 {b64_sha(f'q{n}')}"})

    with ThreadPoolExecutor(tries) as pool:
        answers = list(pool.map(create, range(tries)))
    assert sorted(r.status_code for r in answers) == [201] * MAX_OPEN + [429] * (tries - MAX_OPEN), [r.text for r in answers]
    assert {r.json()["error"]["code"] for r in answers if r.status_code == 429} == {"too_many_open_uploads"}
    made = [r.headers["Location"] for r in answers if r.status_code == 201]
    # The refused creations left nothing behind in the bucket.
    assert len([k for k in object_store.keys(f"{prefix}/uploads/") if k.endswith("/info.json")]) == MAX_OPEN
    # Terminating one on b frees a place for a creation on a, and only one.
    assert tech[1].delete(made[0], headers=TUS).status_code == 204
    assert tech[0].post("/api/v1/uploads/", headers={**TUS, "Upload-Length": "1000", "Upload-Metadata": f"sha256 {b64_sha('again')}"}).status_code == 201
    assert tech[1].post("/api/v1/uploads/", headers={**TUS, "Upload-Length": "1000", "Upload-Metadata": f"sha256 {b64_sha('more')}"}).status_code == 429


def b64_sha(seed: str) -> str:
    return base64.b64encode(sha(seed.encode()).encode()).decode()
