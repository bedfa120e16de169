"""The deadline protocol (service/deadlines.py) in process, over real loopback sockets: a
silent socket is closed at the header bound, a body arriving at a good rate outlives the
body bound, and the bounds travel to uvicorn's workers (the factory pickles)."""

from __future__ import annotations

import pickle
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.requests import Request
from starlette.responses import Response

from flowscope.service.deadlines import MIN_BODY_RATE, DeadlineProtocol, protocol_factory
from pg import free_port


async def echo_length(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = await Request(scope, receive).body()
    await Response(str(len(body)))(scope, receive, send)


@contextmanager
def served(header_timeout: float, body_timeout: float) -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(
        echo_length,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        http=protocol_factory(header_timeout, body_timeout),  # type: ignore[arg-type]
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_silent_socket_is_closed_at_the_header_bound() -> None:
    with served(0.3, 5) as port, socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        start = time.monotonic()
        assert s.recv(1) == b""
        assert 0.25 < time.monotonic() - start < 2


def test_a_body_at_a_good_rate_outlives_the_body_bound() -> None:
    size = MIN_BODY_RATE * 2  # allowed: 0.3 s + 2 s
    with served(5, 0.3) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % size)
        for _ in range(8):  # 8 parts over 0.8 s: past the bare 0.3 s bound
            s.sendall(b"x" * (size // 8))
            time.sleep(0.1)
        reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(str(size).encode()), reply


def test_a_stalled_body_is_cut_off() -> None:
    with served(5, 0.3) as port, socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        start = time.monotonic()
        assert s.recv(4096) == b""
        assert time.monotonic() - start < 2


def test_the_factory_pickles_with_its_bounds() -> None:
    factory = pickle.loads(pickle.dumps(protocol_factory(3.0, 4.0)))
    assert factory.func is DeadlineProtocol
    assert factory.keywords == {"header_timeout": 3.0, "body_timeout": 4.0}
