"""Resumable uploads (tus 1.0) over real HTTP: a photo upload cut off mid-body resumes where it stopped and
lands as the blob its metadata names; wrong offsets, bad checksums, strangers and old uploads are refused."""

from __future__ import annotations

import base64
import hashlib
import socket

from tests.evidence.photos import phone_photo, sha
from tests.live_server import ApiClient
from tests.sensor_fixtures import wait_for

TUS = {"Tus-Resumable": "1.0.0"}
PATCH = {**TUS, "Content-Type": "application/offset+octet-stream"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def create(client: ApiClient, data: bytes, sha256: str | None = None) -> str:
    r = client.post("/api/v1/uploads/", headers={**TUS, "Upload-Length": str(len(data)),
                                                  "Upload-Metadata": f"sha256 {b64(sha256 or sha(data))},filetype {b64('image/jpeg')}"})
    assert r.status_code == 201, r.text
    assert r.headers["Tus-Resumable"] == "1.0.0" and r.headers["Upload-Expires"]
    return r.headers["Location"]


def offset(client: ApiClient, location: str) -> int:
    r = client.head(location, headers=TUS)
    assert r.status_code == 200, r.status_code
    return int(r.headers["Upload-Offset"])


def cut_off_patch(url: str, token: str, location: str, body: bytes, announced: int) -> None:
    """Send a PATCH announcing `announced` bytes, deliver only `body`, then drop the connection (a basement)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as s:
        head = (f"PATCH {location} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n"
                f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: {announced}\r\n\r\n")
        s.sendall(head.encode() + body)
        s.shutdown(socket.SHUT_WR)
        server_hung_up(s)


def server_hung_up(s: socket.socket, timeout_s: float = 10.0) -> None:
    """Reads until the server closes its side: it has taken what it got of the body and given up on the rest."""
    s.settimeout(timeout_s)
    while s.recv(4096):
        pass


def test_an_upload_cut_off_mid_body_resumes_where_it_stopped_and_lands_as_the_blob(as_user, live):
    tech = as_user("tech")
    data = phone_photo(width=900, height=700, seed=b"basement")
    location = create(tech, data)
    half = len(data) // 2
    cut_off_patch(live.url, tech.headers["Authorization"].split()[1], location, data[:half], len(data))
    wait_for(lambda: offset(tech, location) == half, timeout=10, what="the bytes that arrived kept")
    assert tech.head(f"/api/v1/blobs/{sha(data)}").status_code == 404  # a partial upload is never a blob
    r = tech.patch(location, content=data[half:], headers={**PATCH, "Upload-Offset": str(half)})
    assert r.status_code == 204, r.text
    assert r.headers["Upload-Offset"] == str(len(data)) and r.headers["Location"] == f"/api/v1/blobs/{sha(data)}"
    assert tech.get(f"/api/v1/blobs/{sha(data)}").content == data
    assert tech.head(location, headers=TUS).status_code == 404  # the finished upload is gone


def test_a_patch_at_the_wrong_offset_is_409_and_changes_nothing(as_user):
    tech = as_user("tech")
    data = phone_photo(seed=b"offset")
    location = create(tech, data)
    assert tech.patch(location, content=data[:100], headers={**PATCH, "Upload-Offset": "0"}).status_code == 204
    r = tech.patch(location, content=data[50:], headers={**PATCH, "Upload-Offset": "50"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "offset_mismatch"
    assert offset(tech, location) == 100


def test_a_chunk_with_a_wrong_checksum_is_460_and_discarded(as_user):
    tech = as_user("tech")
    data = phone_photo(seed=b"checksum")
    location = create(tech, data)
    wrong = base64.b64encode(hashlib.sha1(b"other").digest()).decode()
    r = tech.patch(location, content=data[:200], headers={**PATCH, "Upload-Offset": "0", "Upload-Checksum": f"sha1 {wrong}"})
    assert r.status_code == 460 and r.json()["error"]["code"] == "checksum_mismatch"
    assert offset(tech, location) == 0
    right = base64.b64encode(hashlib.sha1(data).digest()).decode()
    r = tech.patch(location, content=data, headers={**PATCH, "Upload-Offset": "0", "Upload-Checksum": f"sha1 {right}"})
    assert r.status_code == 204 and tech.head(f"/api/v1/blobs/{sha(data)}").status_code == 200


def test_a_finished_upload_that_does_not_hash_to_its_metadata_is_refused(as_user):
    tech = as_user("tech")
    data = phone_photo(seed=b"tus-mismatch")
    claimed = sha(b"not these bytes")
    location = create(tech, data, sha256=claimed)
    r = tech.patch(location, content=data, headers={**PATCH, "Upload-Offset": "0"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "hash_mismatch"
    assert tech.head(f"/api/v1/blobs/{claimed}").status_code == 404
    assert tech.head(location, headers=TUS).status_code == 404


def test_an_upload_is_invisible_to_other_users_and_can_be_terminated(as_user):
    tech, other = as_user("tech"), as_user("tech_south")
    data = phone_photo(seed=b"mine")
    location = create(tech, data)
    assert other.head(location, headers=TUS).status_code == 404
    assert other.patch(location, content=data, headers={**PATCH, "Upload-Offset": "0"}).status_code == 404
    assert other.delete(location, headers=TUS).status_code == 404
    assert tech.delete(location, headers=TUS).status_code == 204
    assert tech.head(location, headers=TUS).status_code == 404
    assert tech.head("/api/v1/uploads/..%2F..%2Ffieldops.db", headers=TUS).status_code == 404


def test_creation_is_checked_before_any_byte_is_sent(as_user, live):
    tech = as_user("tech")
    r = tech.post("/api/v1/uploads/", headers={"Upload-Length": "10", "Upload-Metadata": f"sha256 {b64('0' * 64)}"})
    assert r.status_code == 412
    r = tech.post("/api/v1/uploads/", headers={**TUS, "Upload-Length": str(26 * 1024 * 1024), "Upload-Metadata": f"sha256 {b64('0' * 64)}"})
    assert r.status_code == 413
    r = tech.post("/api/v1/uploads/", headers={**TUS, "Upload-Length": "10", "Upload-Metadata": f"sha256 {b64('../../etc/passwd')}"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_blob_name"
    with live.anonymous() as anon:
        options = anon.options("/api/v1/uploads/")
        assert options.status_code == 204 and "creation" in options.headers["Tus-Extension"]
        assert options.headers["Tus-Max-Size"] == str(25 * 1024 * 1024)
        assert anon.post("/api/v1/uploads/", headers={**TUS, "Upload-Length": "1"}).status_code == 401


def test_unfinished_uploads_expire(start_server):
    server = start_server(env={"FIELDOPS_UPLOAD_EXPIRE_S": "1"})
    tech = server.login("tech")
    try:
        data = phone_photo(seed=b"expires")
        location = create(tech, data)
        assert tech.patch(location, content=data[:100], headers={**PATCH, "Upload-Offset": "0"}).status_code == 204
        assert offset(tech, location) == 100  # alive right after its last PATCH
        wait_for(lambda: tech.head(location, headers=TUS).status_code == 404, timeout=10, what="the idle upload expired")
        upload_id = location.rsplit("/", 1)[1]
        assert not (server.data_dir / "blobs" / "uploads" / upload_id).exists()
    finally:
        tech.close()
