"""Reading an HTTP answer within a total deadline and a size bound.

`http.client` arms the socket timeout afresh for every receive, so a server that sends one
byte per interval is never timed out. Here every receive (of the status line, the headers
and the body) is given only what is left of the call's `Clock`, and never more than the
progress bound; the body is read in pieces up to the call's byte limit and no further.

Transfers (blob reads and writes) earn time by moving bytes: each byte adds 1/min_rate
seconds to the deadline, so a large blob may take as long as its size needs at the minimum
rate, while a stalled or dripping one still fails.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
from collections.abc import Callable

PIECE = 1024 * 1024


class Clock:
    """A call's deadline (monotonic seconds), the longest wait for any one socket operation,
    and what each byte moved earns (0 for JSON calls: their deadline is fixed)."""

    def __init__(self, seconds: float, progress: float, per_byte: float = 0.0) -> None:
        self.base = time.monotonic() + seconds
        self.earned = 0.0
        self.progress = progress
        self.per_byte = per_byte

    def left(self) -> float:
        return self.base + self.earned - time.monotonic()

    def new_attempt(self) -> None:
        """What a failed attempt moved earns nothing for the next one."""
        self.earned = 0.0

    def wait(self) -> float:
        """The timeout for the next socket operation; TimeoutError once the deadline passed."""
        left = self.left()
        if left <= 0:
            raise TimeoutError("the call's deadline passed")
        return min(left, self.progress)

    def wait_to_move(self, nbytes: int) -> float:
        """The timeout for moving `nbytes` at once, counting the time they will earn."""
        left = self.left() + nbytes * self.per_byte
        if left <= 0:
            raise TimeoutError("the call's deadline passed")
        return min(left, self.progress)

    def moved(self, nbytes: int) -> None:
        self.earned += nbytes * self.per_byte


class _TimedReader(io.RawIOBase):
    """A socket's bytes, each receive bounded by the clock. It holds its own file reference
    to the socket (as http.client's reader does), so a closing connection stays readable
    until the answer is read."""

    def __init__(self, sock: socket.socket, clock: Clock) -> None:
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._clock = clock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self._sock.settimeout(self._clock.wait())
        return self._raw.readinto(buffer) or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


class ClockHolder:
    """The clock of the call a connection is serving (one connection serves one call at once)."""

    def __init__(self) -> None:
        self.clock = Clock(0.0, 0.0)


def timed_response_class(holder: ClockHolder) -> type[http.client.HTTPResponse]:
    """An HTTPResponse whose reads all go through `holder`'s current clock."""

    class TimedResponse(http.client.HTTPResponse):
        def __init__(
            self,
            sock: socket.socket,
            debuglevel: int = 0,
            method: str | None = None,
            url: str | None = None,
        ) -> None:
            super().__init__(sock, debuglevel, method, url)
            self.fp.close()  # the plain reader http.client made; ours replaces it
            self.fp = io.BufferedReader(_TimedReader(sock, holder.clock))

    return TimedResponse


def read_body(
    resp: http.client.HTTPResponse,
    limit: int,
    clock: Clock,
    too_large: Callable[[int | None], Exception],
) -> bytearray:
    """The whole body of `resp`; raises `too_large(declared length or None)` as soon as the
    body is known to exceed `limit` bytes.

    Memory follows the bytes that actually arrive (a declared length is not allocated ahead:
    a server may lie about it).
    """
    declared = resp.length
    if declared is not None and declared > limit:
        raise too_large(declared)
    want = limit + 1 if declared is None else declared
    body = bytearray()
    scratch = memoryview(bytearray(min(PIECE, want)))
    while len(body) < want:
        n = resp.readinto(scratch[: min(PIECE, want - len(body))])
        if not n:
            break
        body += scratch[:n]
        clock.moved(n)
    if len(body) > limit:
        raise too_large(None)
    if declared is not None and len(body) < declared:
        raise http.client.IncompleteRead(b"", declared - len(body))
    if not resp.isclosed():
        resp.read()  # a HEAD or an empty body: let http.client see the answer's end
    return body
