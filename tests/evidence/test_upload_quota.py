"""Upload quota: one user cannot open hundreds of 25 MB tus uploads; unfinished uploads are bounded in number
and in reserved bytes per user, finishing or terminating one frees room, and other users are not affected."""

from __future__ import annotations

import base64

from tests.evidence.photos import phone_photo, sha

TUS = {"Tus-Resumable": "1.0.0"}
PATCH = {**TUS, "Content-Type": "application/offset+octet-stream"}

QUOTA = {"FIELDOPS_MAX_OPEN_UPLOADS": "3", "FIELDOPS_MAX_UPLOAD_BYTES_IN_FLIGHT": "1000000"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def open_upload(client, length: int, seed: str = "quota"):
    return client.post("/api/v1/uploads/", headers={**TUS, "Upload-Length": str(length),
                                                     "Upload-Metadata": f"sha256 {b64(sha(seed.encode()))}"})


def test_unfinished_uploads_are_bounded_per_user_in_number_and_bytes(start_server):
    server = start_server(env=QUOTA)
    guard, tech = server.login("guard"), server.login("tech")
    made = [open_upload(guard, 300_000) for _ in range(3)]
    assert [r.status_code for r in made] == [201, 201, 201]
    r = open_upload(guard, 10)
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_open_uploads", r.text
    assert open_upload(tech, 300_000).status_code == 201  # the quota is per user
    assert guard.delete(made[0].headers["Location"], headers=TUS).status_code == 204
    r = open_upload(guard, 500_000)  # 600,000 reserved + 500,000 > 1,000,000
    assert r.status_code == 429 and r.json()["error"]["code"] == "upload_quota_exceeded", r.text
    assert open_upload(guard, 400_000).status_code == 201


def test_finished_uploads_no_longer_count(start_server):
    server = start_server(env=QUOTA)
    tech = server.login("tech")
    for i in range(5):
        data = phone_photo(seed=f"finished-{i}".encode())
        r = tech.post("/api/v1/uploads/", headers={**TUS, "Upload-Length": str(len(data)), "Upload-Metadata": f"sha256 {b64(sha(data))}"})
        assert r.status_code == 201, (i, r.text)
        done = tech.patch(r.headers["Location"], content=data, headers={**PATCH, "Upload-Offset": "0"})
        assert done.status_code == 204 and done.headers["Location"] == f"/api/v1/blobs/{sha(data)}"
