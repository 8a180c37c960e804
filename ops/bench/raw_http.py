"""A bare HTTP/1.1 keep-alive client for the benchmarks: requests made once as bytes, answers read by Content-Length,
so the load generator costs microseconds a request and the server's time is what gets measured.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any


def request_bytes(method: str, path: str, port: int, token: str | None = None, body: Any = None) -> bytes:
    payload = b"" if body is None else json.dumps(body).encode()
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + payload


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


class KeepAlive:
    """One blocking keep-alive connection; `send(request)` → (status, body) and the round trip in seconds."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def send(self, request: bytes) -> tuple[int, bytes, float]:
        start = time.perf_counter()
        self.sock.sendall(request)
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = self.file.readline()
            if not line:
                raise ConnectionError("the server closed the connection")
            head += line
        body = self.file.read(content_length(head))
        return int(head.split(b" ", 2)[1]), body, time.perf_counter() - start

    def close(self) -> None:
        self.file.close()
        self.sock.close()


async def poll_until(port: int, request: bytes, stop_at: float, latencies: list[float], check: Any = None,
                     opened: asyncio.Event | None = None) -> None:
    """One device on one keep-alive connection, sending `request` as fast as answers come until `stop_at`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if opened is not None:
            await opened.wait()
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            body = await reader.readexactly(content_length(head))
            latencies.append(time.perf_counter() - start)
            if check is not None:
                check(head, body)
    finally:
        writer.close()
