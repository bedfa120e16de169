"""Reading within a deadline and a bound (remote/bounded.py), over a real socket pair."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from flowscope.remote.bounded import Clock, ClockHolder, read_body, timed_response_class

OPEN: list[socket.socket] = []


class TooLarge(Exception):
    def __init__(self, declared: int | None) -> None:
        self.declared = declared


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def _response(raw: bytes, clock: Clock, *, drip: float = 0.0) -> http.client.HTTPResponse:
    ours, theirs = socket.socketpair()
    OPEN.append(ours)

    def send() -> None:
        with theirs, contextlib.suppress(OSError):  # the reader may stop first
            if drip:
                for i in range(len(raw)):
                    theirs.sendall(raw[i : i + 1])
                    time.sleep(drip)
            else:
                theirs.sendall(raw)

    threading.Thread(target=send, daemon=True).start()
    holder = ClockHolder()
    holder.clock = clock
    resp = timed_response_class(holder)(ours, method="GET")
    resp.begin()
    return resp


def test_a_body_within_the_bound_is_read_whole() -> None:
    clock = Clock(2.0, 2.0)
    resp = _response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", clock)
    assert read_body(resp, 5, clock, TooLarge) == bytearray(b"hello")
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    clock = Clock(2.0, 2.0)
    assert read_body(_response(chunked, clock), 3, clock, TooLarge) == bytearray(b"abc")


def test_a_declared_length_over_the_bound_fails_before_reading() -> None:
    clock = Clock(2.0, 2.0)
    resp = _response(b"HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\nx", clock)
    with pytest.raises(TooLarge) as info:
        read_body(resp, 1000, clock, TooLarge)
    assert info.value.declared == 999999


def test_an_undeclared_body_is_cut_one_byte_past_the_bound() -> None:
    clock = Clock(2.0, 2.0)
    resp = _response(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"y" * 5000, clock)
    with pytest.raises(TooLarge) as info:
        read_body(resp, 4096, clock, TooLarge)
    assert info.value.declared is None


def test_a_drip_does_not_rearm_the_deadline() -> None:
    clock = Clock(0.5, 0.5)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        resp = _response(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + b"z" * 40, clock,
                         drip=0.02)  # fmt: skip
        read_body(resp, 100, clock, TooLarge)
    assert time.monotonic() - start < 0.9


def test_moved_bytes_earn_time_and_a_new_attempt_forgets_it() -> None:
    clock = Clock(1.0, 1.0, per_byte=0.001)
    clock.moved(2000)
    assert 2.5 < clock.left() <= 3.0
    clock.new_attempt()
    assert clock.left() <= 1.0
    assert clock.wait() <= 1.0  # never more than the progress bound
    assert clock.wait_to_move(10_000) == 1.0
