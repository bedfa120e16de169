"""An in-process hostile HTTP server: a raw socket server in a thread that answers every request
with one scripted misbehaviour (delays, drips, truncations, HTML, wrong JSON, huge or endless
bodies, wrong Content-Length, connection resets).

A `Behaviour` is a plain value, so hypothesis can draw it. The server counts the body bytes it
managed to send, which is how a test tells that a client stopped reading. Every loop checks
the stop event and a per-connection byte cap, so nothing outlives the test.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any

CAP = 256 * 1024 * 1024  # no connection is sent more than this, whatever the behaviour
PIECE = 64 * 1024


@dataclass(frozen=True)
class Behaviour:
    """How to answer. `kind` is one of KINDS; the other fields tune it."""

    kind: str
    status: int = 200
    body: bytes = b"{}"
    delay: float = 0.0  # before anything is sent
    interval: float = 0.0  # between the bytes of a drip
    length: int | None = None  # the Content-Length to declare (None: the true one)
    chunked: bool = False
    rate: float = 0.0  # bytes per second for "paced" (0: as fast as possible)


KINDS = (
    "answer",  # the body as given, with the declared length (or the true one)
    "drip",  # headers and body one byte at a time, `interval` apart
    "endless",  # headers, then body bytes until the client goes away
    "truncate",  # headers claiming len(body) * 2 + 10, half the body, `interval` s, close
    "reset",  # read the request, then close with RST
    "close",  # read the request, then close cleanly without a word
    "garbage",  # a status line that is not HTTP
    "silent",  # read the request, never answer
    "paced",  # the body at `rate` bytes per second
)


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()


class HostileServer:
    """`with HostileServer() as server:`, then set `server.behaviour` before each call."""

    def __init__(self) -> None:
        self.behaviour = Behaviour("answer")
        self.sent = 0  # body bytes sent since the last `reset_counts()`
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:  # noqa: PYI034
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        with self._lock:
            for conn in self._conns:
                conn.close()
        self._listener.close()

    def reset_counts(self) -> None:
        with self._lock:
            self.sent = 0
            self.requests.clear()

    # ---- serving -------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        try:
            while not self._stop.is_set():
                request = self._read_request(conn)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                if not self._answer(conn, self.behaviour):
                    return
        except OSError:
            return
        finally:
            conn.close()

    def _read_request(self, conn: socket.socket) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self._recv(conn)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = self._recv(conn)
            if not chunk:
                return None
            body += chunk
        return head

    def _recv(self, conn: socket.socket) -> bytes:
        while not self._stop.is_set():
            try:
                return conn.recv(PIECE)
            except TimeoutError:
                continue
        return b""

    def _send(self, conn: socket.socket, data: bytes, *, body: bool = True) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set():
            try:
                n = conn.send(view)
            except TimeoutError:
                continue
            view = view[n:]
            if body:
                with self._lock:
                    self.sent += n

    def _head(self, b: Behaviour, length: int | None) -> bytes:
        lines = [f"HTTP/1.1 {b.status} Whatever", "Content-Type: application/json"]
        if b.chunked:
            lines.append("Transfer-Encoding: chunked")
        elif length is not None:
            lines.append(f"Content-Length: {length}")
        else:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def _sleep(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def _answer(self, conn: socket.socket, b: Behaviour) -> bool:
        """Answer once; True if the connection may serve another request."""
        self._sleep(b.delay)
        declared = len(b.body) if b.length is None else b.length
        if b.kind in ("answer", "paced", "drip"):
            payload = self._frame(b.body, b.chunked)
            head = self._head(b, declared)
            if b.kind == "drip":
                for i in range(len(head) + len(payload)):
                    if self._stop.is_set():
                        return False
                    byte = (head + payload)[i : i + 1]
                    self._send(conn, byte, body=i >= len(head))
                    self._sleep(b.interval)
            elif b.kind == "paced" and b.rate > 0:
                self._send(conn, head, body=False)
                start = time.monotonic()
                for i in range(0, len(payload), PIECE):
                    self._send(conn, payload[i : i + PIECE])
                    ahead = start + (i + PIECE) / b.rate - time.monotonic()
                    if ahead > 0:
                        self._sleep(ahead)
            else:
                self._send(conn, head, body=False)
                self._send(conn, payload)
            return b.length is None or b.length == len(b.body)
        if b.kind == "endless":
            self._send(conn, self._head(b, b.length), body=False)
            piece = (b"[" * 16 + b"0," * (PIECE // 2 - 8))[:PIECE]
            if b.chunked:
                piece = self._frame(piece, True, last=False)
            while not self._stop.is_set() and self.sent < CAP:
                self._send(conn, piece)
            return False
        if b.kind == "truncate":
            self._send(conn, self._head(b, len(b.body) * 2 + 10), body=False)
            self._send(conn, b.body[: len(b.body) // 2])
            self._sleep(b.interval)
            return False
        if b.kind == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if b.kind == "garbage":
            self._send(conn, b"SSH-2.0-OpenSSH_9.6\r\n" + b.body, body=False)
            return False
        if b.kind == "silent":
            self._sleep(30)
            return False
        return False  # "close"

    @staticmethod
    def _frame(body: bytes, chunked: bool, last: bool = True) -> bytes:
        if not chunked:
            return body
        framed = f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b""
        return framed + (b"0\r\n\r\n" if last else b"")
