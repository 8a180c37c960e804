"""The test push service answers like a real one on the wire: one segment per response, Nagle off.

Written as headers then body, a kept-alive request waited for the client's delayed ACK (~40 ms) before the
body left, which put 40 ms into every latency the alarm benchmark measured through it.
"""

from __future__ import annotations

import socket

from tests.push_endpoint import LocalPushService


def _read_response(sock: socket.socket) -> bytes:
    """Everything of one response that the first recv returns, plus whatever is still needed to complete it."""
    first = sock.recv(65536)
    head, _, body = first.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    return first if len(body) >= length else first + b"<incomplete>"


def test_each_answer_on_a_kept_alive_connection_arrives_whole_in_one_read() -> None:
    with LocalPushService() as service:
        with socket.create_connection(("127.0.0.1", service.port)) as sock:
            for n in range(5):
                sock.sendall(b"POST /push/nobody HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
                response = _read_response(sock)
                assert response.startswith(b"HTTP/1.1 404"), response
                assert not response.endswith(b"<incomplete>"), f"answer {n} came in more than one write: {response!r}"


def test_the_service_turns_nagle_off_for_its_connections() -> None:
    with LocalPushService() as service:
        handler = service._server.RequestHandlerClass
        assert handler.disable_nagle_algorithm is True
        assert handler.wbufsize != 0, "an unbuffered wfile writes headers and body separately"
