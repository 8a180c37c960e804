"""Where a server's time went, from py-spy's raw (collapsed) samples: each sample goes to the innermost frame of a
known part (store, msgspec, auth, middleware, Litestar, uvicorn/h11, the thread hop, ...), shares printed.

Run: .venv/bin/python ops/bench/profile_summary.py SAMPLES.txt
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

# Checked from the innermost frame outwards; the first part a frame belongs to takes the sample.
PARTS = (
    ("store (SQLite / PostgreSQL)", ("server/store/", "sqlite3", "psycopg")),
    ("msgspec (decode, encode)", ("msgspec",)),
    ("logging", ("logging/", "server/logs.py")),
    ("metrics (Prometheus middleware)", ("prometheus_client", "plugins/prometheus")),
    ("compression middleware", ("middleware/compression", "gzip", "zlib")),
    ("security headers", ("security_headers",)),
    ("auth (token cache, actor)", ("server/auth.py", "server/http/deps.py")),
    ("no-change pulls (sync/quiet.py)", ("sync/quiet.py",)),
    ("sync pull (sync/pull.py, cookie)", ("sync/pull.py", "sync/cookie.py", "hmac", "hashlib")),
    ("domain (render, mutators, audit)", ("server/domain/", "server/services.py", "server/alarm_queries.py")),
    ("OPTIONS/Allow middleware", ("server/http/allow.py",)),
    ("thread hop (anyio, executor)", ("anyio/", "concurrent/futures", "threading.py", "queue.py")),
    ("Litestar (routing, DI, request, response)", ("litestar/",)),
    ("uvicorn + h11 (HTTP/1.1 parsing)", ("uvicorn/", "h11/", "httptools")),
    ("asyncio event loop", ("asyncio/",)),
)


def part_of(stack: str) -> str:
    for frame in reversed(stack.split(";")):
        for name, marks in PARTS:
            if any(mark in frame for mark in marks):
                return name
    return "other"


def summarise(path: Path) -> list[tuple[str, int, float]]:
    counts: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if stack and n.isdigit():
            counts[part_of(stack)] += int(n)
    total = sum(counts.values()) or 1
    return [(name, n, n / total) for name, n in counts.most_common()]


def main() -> None:
    if len(sys.argv) != 2:  # `make bench` runs every file here: without samples there is nothing to say
        print(__doc__.strip().splitlines()[-1])
        return
    rows = summarise(Path(sys.argv[1]))
    print(f"py-spy samples by part ({sum(n for _, n, _ in rows)} samples, all threads):")
    for name, n, share in rows:
        print(f"  {share * 100:5.1f}%  {n:7d}  {name}")


if __name__ == "__main__":
    main()
