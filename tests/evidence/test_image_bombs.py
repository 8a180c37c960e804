"""Decompression bombs against a server held to 2 GB of address space: a small file that claims a huge
image is refused by its header, big-but-allowed images are decoded a bounded few at a time, and the
server stays up and small."""

from __future__ import annotations

import hashlib
import io
import resource
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from server.blobs.store import MAX_PIXELS

LIMIT = 2 * 1024 ** 3


def png_bomb(width: int, height: int) -> bytes:
    """A real RGBA PNG of width x height transparent pixels: a few hundred KB that decode to width*height*4 bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row, parts = zlib.compressobj(9), b"\0" * (width * 4 + 1), []
    for _ in range(height):
        parts.append(packer.compress(row))
    parts.append(packer.flush())
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)) + \
        chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is edited to claim width x height."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_image_bombs_are_refused_by_their_header_and_the_server_stays_small(start_server, tmp_path):
    server = start_server()
    resource.prlimit(server.proc.pid, resource.RLIMIT_AS, (LIMIT, LIMIT))
    tech = server.login("tech")
    before = rss_mb(server.proc.pid)
    bombs = [png_bomb(13_000, 13_000), jpeg_claiming(60_000, 60_000)]
    assert len(bombs[0]) < 1_000_000
    for bomb in bombs:
        r = tech.put(f"/api/v1/blobs/{hashlib.sha256(bomb).hexdigest()}", content=bomb)
        assert r.status_code == 422 and r.json()["error"]["code"] == "image_too_large", r.text
    # the largest image we accept, thumbnailed three at a time: decodes are bounded and queued
    big = [png_bomb(5_000, 5_000 + n) for n in range(3)]
    assert 5_000 * 5_002 <= MAX_PIXELS
    names = [hashlib.sha256(b).hexdigest() for b in big]
    for name, data in zip(names, big):
        assert tech.put(f"/api/v1/blobs/{name}", content=data).status_code == 201
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda n: tech.get(f"/api/v1/blobs/{n}", params={"thumb": "1"}, timeout=120), names))
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(Image.open(io.BytesIO(a.content)).size[0] <= 480 for a in answers)
    after = rss_mb(server.proc.pid)
    assert server.proc.poll() is None and tech.get("/health").status_code == 200
    print(f"server RSS before {before:.0f} MB, after bombs and three 25 MP thumbnails {after:.0f} MB (limit {LIMIT >> 20} MB)")
    assert after < 1024
