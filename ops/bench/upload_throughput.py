"""Benchmark: uploading a 20 MB photo to the server (PUT streamed, and tus in 5 MiB and 256 KiB PATCHes) against copying the
same bytes to disk (write + fsync) in the same run, with the server's resident memory while it receives them.

Run: .venv/bin/python ops/bench/upload_throughput.py [--runs 5] [--mb 20]   — prints MB/s, the ratio to the disk copy,
and the server process's RSS before, at its sampled peak, and its kernel high-water mark (VmHWM).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.live_server import LiveServer  # noqa: E402
from tests.world import build_world  # noqa: E402

CHUNK = 64 * 1024  # what a browser/httpx streams per write
TUS_PATCHES = (5 * 1024 * 1024, 256 * 1024)  # a good connection; the PWA's chunk on a weak 3G signal (pwa/js/tus-upload.js)


def photo_of(megabytes: float) -> bytes:
    """A real JPEG of random pixels (noise does not compress) of about `megabytes`."""
    side = int((megabytes * 1024 * 1024 / 2.05) ** 0.5)
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=100)
    return out.getvalue()


def variant(photo: bytes, n: int) -> bytes:
    """The same photo with a distinct tail after the JPEG end marker, so every run stores a new blob."""
    return photo + n.to_bytes(8, "big")


def proc_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


class RssSampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.002) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s, self.peak, self.done = pid, every_s, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, proc_status(self.pid, "VmRSS"))
            time.sleep(self.every_s)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def disk_copy(directory: Path, data: bytes) -> float:
    """The floor: the same bytes written in the same chunks to a file and fsynced, by this process."""
    path = directory / "copy.bin"
    start = time.perf_counter()
    with open(path, "wb") as f:
        for i in range(0, len(data), CHUNK):
            f.write(data[i:i + CHUNK])
        f.flush()
        os.fsync(f.fileno())
    elapsed = time.perf_counter() - start
    path.unlink()
    return elapsed


def put_upload(client, data: bytes) -> float:  # type: ignore[no-untyped-def]
    def body():  # type: ignore[no-untyped-def]
        for i in range(0, len(data), CHUNK):
            yield data[i:i + CHUNK]

    start = time.perf_counter()
    r = client.put(f"/api/v1/blobs/{hashlib.sha256(data).hexdigest()}", content=body(), headers={"Content-Length": str(len(data))})
    elapsed = time.perf_counter() - start
    assert r.status_code == 201, r.text
    return elapsed


def tus_upload(client, data: bytes, patch_bytes: int) -> float:  # type: ignore[no-untyped-def]
    digest = base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode()
    start = time.perf_counter()
    r = client.post("/api/v1/uploads/", headers={"Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": f"sha256 {digest}"})
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    for offset in range(0, len(data), patch_bytes):
        r = client.patch(location, content=data[offset:offset + patch_bytes], headers={
            "Tus-Resumable": "1.0.0", "Content-Type": "application/offset+octet-stream", "Upload-Offset": str(offset)})
        assert r.status_code == 204, r.text
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mb", type=float, default=20.0)
    opts = parser.parse_args()
    photo = photo_of(opts.mb)
    size_mb = len(photo) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        build_world(str(directory / "fieldops.db"))
        server = LiveServer(directory).start()
        client = server.login("tech")
        try:
            assert server.proc is not None
            pid = server.proc.pid
            started_hwm = proc_status(pid, "VmHWM")
            put_upload(client, variant(photo, 10_000))  # warm-up: first request paths, thread pool
            idle_rss = proc_status(pid, "VmRSS")
            copies, puts = [], []
            tuses: dict[int, list[float]] = {size: [] for size in TUS_PATCHES}
            sampler = RssSampler(pid)
            sampler.start()
            for n in range(opts.runs):
                copies.append(disk_copy(directory, variant(photo, n)))
                puts.append(put_upload(client, variant(photo, 100 + n)))
                for k, size in enumerate(TUS_PATCHES):
                    tuses[size].append(tus_upload(client, variant(photo, 200 + 10 * n + k), size))
            peak_rss = sampler.stop()
            hwm = proc_status(pid, "VmHWM")
        finally:
            client.close()
            server.stop()
    rate = lambda seconds: size_mb / statistics.median(seconds)  # noqa: E731
    print(f"photo: {size_mb:.1f} MB JPEG, {opts.runs} runs each, medians")
    print(f"disk copy (write+fsync, same process):  {rate(copies):8.1f} MB/s")
    print(f"PUT /api/v1/blobs (streamed):           {rate(puts):8.1f} MB/s  ({rate(puts) / rate(copies):.2f}x of disk copy)")
    for size, seconds in tuses.items():
        label = f"tus /api/v1/uploads ({size // 1024} KiB PATCHes):"
        print(f"{label:<40}{rate(seconds):8.1f} MB/s  ({rate(seconds) / rate(copies):.2f}x of disk copy)")
    print(f"server RSS idle {idle_rss / 2**20:.1f} MiB, sampled peak {peak_rss / 2**20:.1f} MiB "
          f"(+{(peak_rss - idle_rss) / 2**20:.1f} MiB while receiving {size_mb:.0f} MB bodies)")
    print(f"server VmHWM (kernel high-water mark of RSS): {started_hwm / 2**20:.1f} MiB after start-up and login, "
          f"{hwm / 2**20:.1f} MiB after all uploads")


if __name__ == "__main__":
    main()
