"""Blobs over real HTTP: stored once by content hash, checked while streaming, typed by content,
never outside the store, and shown only to people who may see an order they belong to."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from pathlib import Path

import httpx
from PIL import Image, ExifTags

from tests.evidence.flow import upload
from tests.evidence.photos import HEIC, PDF, big_photo, phone_photo, sha, signature_png
from tests.evidence.test_tus import server_hung_up
from tests.live_server import new_order_args
from tests.sensor_fixtures import wait_for


def test_a_photo_is_stored_once_under_its_hash_and_read_back(as_user, live):
    tech = as_user("tech")
    data = phone_photo(seed=b"once")
    first = tech.put(f"/api/v1/blobs/{sha(data)}", content=data)
    assert first.status_code == 201, first.text
    assert first.json() == {"sha256": sha(data), "size": len(data), "media_type": "image/jpeg", "width": 64, "height": 32}
    again = tech.put(f"/api/v1/blobs/{sha(data)}", content=data)
    assert again.status_code == 200
    assert tech.head(f"/api/v1/blobs/{sha(data)}").status_code == 200
    got = tech.get(f"/api/v1/blobs/{sha(data)}")
    assert got.status_code == 200 and got.content == data and got.headers["content-type"] == "image/jpeg"
    stored = Path(live.data_dir) / "blobs" / sha(data)[:2] / sha(data)
    assert stored.read_bytes() == data
    assert not any((Path(live.data_dir) / "blobs" / "tmp").iterdir())


def test_bytes_that_do_not_hash_to_the_name_are_refused_and_not_kept(as_user, live):
    tech = as_user("tech")
    data = phone_photo(seed=b"mismatch")
    wrong = sha(b"something else")
    r = tech.put(f"/api/v1/blobs/{wrong}", content=data)
    assert r.status_code == 422 and r.json()["error"]["code"] == "hash_mismatch"
    assert tech.head(f"/api/v1/blobs/{wrong}").status_code == 404
    assert not (Path(live.data_dir) / "blobs" / wrong[:2] / wrong).exists()


def test_the_type_is_decided_by_content_not_by_the_header(as_user):
    tech = as_user("tech")
    r = tech.put(f"/api/v1/blobs/{sha(PDF)}", content=PDF, headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    r = tech.put(f"/api/v1/blobs/{sha(HEIC)}", content=HEIC, headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "heic_not_supported"
    fake = b"\xff\xd8\xff\xe0" + os.urandom(4000)  # a JPEG signature in front of garbage
    r = tech.put(f"/api/v1/blobs/{sha(fake)}", content=fake)
    assert r.status_code == 415 and r.json()["error"]["code"] == "unreadable_image"
    png = signature_png(b"typed")
    r = tech.put(f"/api/v1/blobs/{sha(png)}", content=png, headers={"Content-Type": "application/pdf"})
    assert r.status_code == 201 and r.json()["media_type"] == "image/png"


def test_bad_names_are_refused_and_never_reach_outside_the_store(as_user, live):
    tech = as_user("tech")
    data = phone_photo(seed=b"names")
    secret = Path(live.data_dir) / "fieldops.db"  # on PostgreSQL no such file: a file's bytes never come back either way
    secret_bytes = secret.read_bytes() if secret.exists() else b"SQLite format 3\0"
    for name in ["..%2F..%2Ffieldops.db", "%2E%2E", "..", sha(data).upper(), sha(data)[:63], sha(data) + "0", "g" * 64,
                 "%2F" + sha(data)[1:]]:
        r = tech.put(f"/api/v1/blobs/{name}", content=data)
        assert 400 <= r.status_code < 500, (name, r.status_code)
        g = tech.get(f"/api/v1/blobs/{name}")
        assert 400 <= g.status_code < 500 and g.content != secret_bytes[:len(g.content) or 1]
    r = httpx.get(f"{live.url}/api/v1/blobs/../../fieldops.db", headers=tech.headers)
    assert r.status_code in (400, 401, 404)


def test_a_blob_is_shown_only_to_those_who_may_see_its_order(as_user, world):
    disp, tech, south, tech_b = as_user("disp"), as_user("tech"), as_user("tech_south"), as_user("tech_b")
    data = phone_photo(seed=b"access")
    upload(tech, data)
    url = f"/api/v1/blobs/{sha(data)}"
    assert tech.get(url).status_code == 200  # the uploader, before it is attached
    assert disp.get(url).status_code == 404 and south.get(url).status_code == 404
    args = new_order_args()
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    tech.ok("attach_photo", work_order_id=args["id"], sha256=sha(data), kind="before", taken_at="2026-11-23T09:00:00Z")
    assert disp.get(url).status_code == 200 and disp.get(url).content == data  # staff of the site: the original
    assert south.get(url).status_code == 404 and south.head(url).status_code == 404  # another site
    assert tech_b.get(url).status_code == 404  # same site, not their order
    assert south.get(url + "?thumb=1").status_code == 404


def test_a_thumbnail_is_a_small_upright_jpeg_without_gps(as_user, live):
    tech = as_user("tech")
    data = phone_photo(width=1200, height=600, seed=b"thumb")
    upload(tech, data)
    r = tech.get(f"/api/v1/blobs/{sha(data)}?thumb=1")
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(r.content))
    assert thumb.format == "JPEG" and thumb.size == (240, 480)  # orientation 6 applied: shown portrait
    assert not thumb.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert (Path(live.data_dir) / "blobs" / "thumbs" / f"{sha(data)}.jpg").is_file()
    assert tech.get(f"/api/v1/blobs/{sha(data)}?thumb=1").content == r.content  # made once, cached


def test_a_blob_attached_before_its_bytes_shows_pending_until_they_land(as_user, world):
    disp, tech = as_user("disp"), as_user("tech")
    data = phone_photo(seed=b"pending")
    args = new_order_args()
    disp.ok("create_work_order", **args)
    disp.ok("dispatch", work_order_id=args["id"], technician_id=world.users["tech"])
    order = tech.ok("attach_photo", work_order_id=args["id"], sha256=sha(data), kind="before", taken_at="2026-11-23T09:00:00Z")
    assert order["photos"] == [{"sha256": sha(data), "kind": "before", "taken_at": "2026-11-23T09:00:00.000000Z", "pending": True}]
    assert tech.head(f"/api/v1/blobs/{sha(data)}").status_code == 404
    upload(tech, data)
    assert tech.order(args["id"])["photos"][0]["pending"] is False
    assert disp.get(f"/api/v1/blobs/{sha(data)}").content == data


def test_blobs_need_a_login(live):
    with live.anonymous() as anon:
        assert anon.get(f"/api/v1/blobs/{'0' * 64}").status_code == 401
        assert anon.put(f"/api/v1/blobs/{'0' * 64}", content=b"x").status_code == 401


def test_an_upload_over_the_size_limit_is_413_and_leaves_nothing(start_server):
    server = start_server(env={"FIELDOPS_MAX_BLOB_BYTES": str(200_000)})
    tech = server.login("tech")
    try:
        small = phone_photo(seed=b"fits")
        assert tech.put(f"/api/v1/blobs/{sha(small)}", content=small).status_code == 201
        big = phone_photo(width=600, height=600, seed=b"big")
        assert len(big) > 200_000
        r = tech.put(f"/api/v1/blobs/{sha(big)}", content=big)
        assert r.status_code == 413 and r.json()["error"]["code"] == "blob_too_large"

        def chunks():  # no Content-Length: the limit holds while streaming
            for i in range(0, len(big), 65536):
                yield big[i:i + 65536]

        r = tech.put(f"/api/v1/blobs/{sha(big)}", content=chunks())
        assert r.status_code == 413 and r.json()["error"]["code"] == "blob_too_large"
        assert tech.head(f"/api/v1/blobs/{sha(big)}").status_code == 404
        assert not any((server.data_dir / "blobs" / "tmp").iterdir())
    finally:
        tech.close()


def test_a_25_mb_upload_keeps_the_servers_memory_flat(as_user, live):
    tech = as_user("tech")
    data = big_photo(24.5)
    assert 20 * 2**20 < len(data) <= 25 * 2**20
    pid = live.proc.pid
    before = rss(pid)
    peak, done = [before], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.append(rss(pid))
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        chunks = (data[i:i + 65536] for i in range(0, len(data), 65536))
        r = tech.put(f"/api/v1/blobs/{sha(data)}", content=chunks, headers={"Content-Length": str(len(data))})
    finally:
        done.set()
        sampler.join()
    assert r.status_code == 201, r.text
    assert max(peak) - before < 12 * 2**20, f"server RSS grew by {(max(peak) - before) / 2**20:.1f} MiB for a {len(data) / 2**20:.1f} MiB body"
    assert tech.get(f"/api/v1/blobs/{sha(data)}?thumb=1").status_code == 200


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise KeyError("VmRSS")


def test_an_upload_cut_off_mid_body_is_not_a_blob(as_user, live):
    tech = as_user("tech")
    data = phone_photo(width=400, height=300, seed=b"cut")
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall((f"PUT /api/v1/blobs/{sha(data)} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {tech.headers['Authorization']}\r\n"
                   f"Content-Length: {len(data)}\r\n\r\n").encode() + data[: len(data) // 2])
        s.shutdown(socket.SHUT_WR)
        server_hung_up(s)
    assert tech.head(f"/api/v1/blobs/{sha(data)}").status_code == 404
    wait_for(lambda: not any((Path(live.data_dir) / "blobs" / "tmp").iterdir()), timeout=5, what="the partial file removed")
    assert "Traceback" not in live.log()
