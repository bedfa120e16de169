"""One HTTP round trip to the metadata service, bounded in time and size, with keep-alive.

Stdlib only (`http.client`): one persistent connection per thread (and per process: a forked
worker opens its own). Every call has a total deadline, which no slow or dripping server can
stretch (see `flowscope.remote.bounded`):

- reads, and anything before the service has answered once: `timeout` seconds (default 5,
  FLOWSCOPE_SERVICE_TIMEOUT). A dead or unreachable service is a `ServiceUnavailable` naming
  the URL within that bound: connection refused/reset and 502/503/504 answers are retried a
  few times with jittered exponential backoff (50 ms doubling to 1 s) until it is spent.
- writes, once the service has answered at least once: `write_timeout` seconds (default
  max(timeout, 20)), so a run survives a service or PostgreSQL restart mid-run. Every write
  is safe to repeat: batches are idempotent on the server, and create_run carries an
  idempotency key.
- blob transfers: the same bound, plus 1/min_rate seconds for every byte moved (default
  1 MiB/s, FLOWSCOPE_SERVICE_MIN_RATE_MB), and no socket operation may wait more than
  `timeout`: a large blob takes what its size needs, a stalled one fails.

Every answer is read up to a bound that fits the call, and no further: JSON answers up to
`Limits.max_answer` (FLOWSCOPE_SERVICE_MAX_ANSWER_MB, default 32), blob reads up to
`Limits.max_blob` (FLOWSCOPE_SERVICE_MAX_BLOB_MB, default 4096). A declared Content-Length
above the bound fails before the body is read.

A stale keep-alive connection (closed by the server while idle) is replaced at once, without
counting as a failure. Error answers become the flowscope error the server names; an answer
that is not what a flowscope service sends (an HTML page, JSON of another shape) is a
`MetadataError` naming the address and what was expected.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from flowscope.config import Settings
from flowscope.errors import AuthenticationError, MetadataError, ServiceUnavailable
from flowscope.remote.bounded import (
    PIECE,
    Clock,
    ClockHolder,
    read_body,
    timed_response_class,
)
from flowscope.remote.urls import ServiceAddress
from flowscope.remote.wire import error_class

MiB = 1024 * 1024

API_PREFIX = "/api/v1"
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class Limits:
    """How much a call may read, and how slowly a transfer may move (bytes, bytes/s)."""

    max_answer: int = 32 * MiB
    max_blob: int = 4096 * MiB
    min_rate: float = 1.0 * MiB

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The FLOWSCOPE_SERVICE_MAX_ANSWER_MB, _MAX_BLOB_MB and _MIN_RATE_MB settings."""
        return cls(
            max_answer=int(settings.service_max_answer_mb * MiB),
            max_blob=int(settings.service_max_blob_mb * MiB),
            min_rate=settings.service_min_rate_mb * MiB,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes | bytearray
    where: str = ""  # "GET http://host/api/v1/flows", for messages

    def json(self) -> Any:
        """The body as JSON, or a MetadataError saying that a flowscope answer was expected."""
        try:
            return json.loads(self.body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            pass
        raise MetadataError(
            f"{self.where} answered {self.status} with {describe_body(self)}, where a JSON "
            f"answer from a flowscope service was expected. Check that the address is the "
            f"service's (not another server, a wrong port or a proxy's page)."
        )

    def wrong_shape(self, expected: str) -> MetadataError:
        """The error for JSON that is not what a flowscope service answers here."""
        return MetadataError(
            f"{self.where} answered JSON of an unexpected shape ({describe_body(self)}); "
            f"expected {expected}. Check that the address is a flowscope service of a "
            f"compatible version."
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def describe_body(answer: Answer) -> str:
    kind = answer.headers.get("Content-Type", "no content type") if answer.headers else "?"
    if not answer.body:
        return f"an empty body ({kind})"
    text = bytes(answer.body[:80]).decode("utf-8", "replace")
    text = " ".join(text.split())
    return f"{len(answer.body)} bytes of {kind}: {text!r}"


class _Retry(Exception):
    """An attempt failed in a way worth another try (the cause is kept for the message)."""

    def __init__(self, reason: str, stale: bool = False) -> None:
        super().__init__(reason)
        self.stale = stale


class HttpTransport:
    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 5.0,
        write_timeout: float | None = None,
        limits: Limits | None = None,
    ) -> None:
        address = ServiceAddress.parse(url)
        if not timeout or timeout <= 0:
            raise MetadataError(f"The service timeout must be positive, got {timeout!r}.")
        self.url = address.url
        self._address = address
        self.prefix = address.path + API_PREFIX
        self.timeout = float(timeout)
        self.write_timeout = float(write_timeout) if write_timeout else max(self.timeout, 20.0)
        self.limits = limits or Limits()
        self._headers = {"Accept": "application/json", "User-Agent": "flowscope"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._local = threading.local()
        self._answered = False
        self._lock = threading.Lock()
        self._all: list[http.client.HTTPConnection] = []

    # ---- connections ---------------------------------------------------------------------
    def _connection(self) -> tuple[http.client.HTTPConnection, ClockHolder, bool]:
        """This thread's connection, its clock, and whether it was used before (may be stale)."""
        local = self._local
        conn: http.client.HTTPConnection | None = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid():
            return conn, local.holder, True
        a = self._address
        cls = http.client.HTTPSConnection if a.https else http.client.HTTPConnection
        conn = cls(a.host, a.port, timeout=self.timeout)
        holder = ClockHolder()
        conn.response_class = timed_response_class(holder)
        local.conn, local.holder, local.pid = conn, holder, os.getpid()
        with self._lock:
            self._all.append(conn)
        return conn, holder, False

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and self._local.pid == os.getpid():
            conn.close()

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        if getattr(self._local, "pid", None) in (None, os.getpid()):
            for conn in conns:
                conn.close()
        self._local = threading.local()

    # ---- one call ------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: bytes | Sequence[bytes | bytearray | memoryview] | None = None,
        headers: Mapping[str, str] | None = None,
        write: bool = False,
        transfer: bool = False,
        ok: tuple[int, ...] = (),
    ) -> Answer:
        """Send one request; return the answer if 2xx or in `ok`, else raise its error.

        `transfer` marks a blob transfer: its deadline grows with the bytes moved, and a
        GET's body may be as large as `limits.max_blob`.
        """
        target = self.prefix + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        bound = self.write_timeout if write and self._answered else self.timeout
        per_byte = 1.0 / self.limits.min_rate if transfer else 0.0
        clock = Clock(bound, self.timeout, per_byte)
        limit = self.limits.max_blob if transfer and method == "GET" else self.limits.max_answer
        delay, tries, reason, answered = 0.05, 0, "", ""
        while True:
            tries += 1
            try:
                answer = self._once(method, target, body, headers, clock, limit)
            except _Retry as exc:
                reason = str(exc)
                if exc.stale:
                    continue  # an idle connection the server closed: retry at once
            else:
                self._answered = True
                if 200 <= answer.status < 300 or answer.status in ok:
                    return answer
                if answer.status not in RETRY_STATUSES or error_type(answer) == "SchemaError":
                    self.fail(method, target, answer)
                reason = answered = f"HTTP {answer.status}: {_error_message(answer)}"
            if clock.left() <= delay:
                self._give_up(method, path, bound, tries, reason, answered)
            time.sleep(delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, 1.0)

    def _give_up(
        self, method: str, path: str, bound: float, tries: int, reason: str, answered: str
    ) -> NoReturn:
        attempts = f"{tries} attempt{'s' * (tries > 1)}"
        if answered:  # the service is there: its own reason is the one that counts
            last = "" if answered == reason else f"; last attempt: {reason}"
            raise ServiceUnavailable(
                f"The metadata service at {self.url} could not serve {method} {path} within "
                f"{bound:g} s ({attempts}): it answered {answered}{last}. Try again once it "
                f"recovers, or raise FLOWSCOPE_SERVICE_TIMEOUT."
            )
        raise ServiceUnavailable(
            f"The metadata service at {self.url} did not answer {method} {path} within "
            f"{bound:g} s ({attempts}; last: {reason}). Check that `flowscope service` is "
            f"running there and reachable, or raise FLOWSCOPE_SERVICE_TIMEOUT."
        )

    def _once(
        self,
        method: str,
        target: str,
        body: bytes | Sequence[bytes | bytearray | memoryview] | None,
        headers: Mapping[str, str] | None,
        clock: Clock,
        limit: int,
    ) -> Answer:
        conn, holder, reused = self._connection()
        holder.clock = clock
        clock.new_attempt()
        try:
            conn.timeout = clock.wait()  # for connect()
            if conn.sock is not None:
                conn.sock.settimeout(conn.timeout)
            conn.putrequest(method, target, skip_accept_encoding=True)
            for name, value in {**self._headers, **(headers or {})}.items():
                conn.putheader(name, value)
            chunks = [] if body is None else [body] if isinstance(body, bytes) else list(body)
            if body is not None or method in ("POST", "PUT"):
                conn.putheader("Content-Length", str(sum(memoryview(c).nbytes for c in chunks)))
            conn.endheaders()
            for chunk in chunks:
                view = memoryview(chunk).cast("B")
                for start in range(0, view.nbytes, PIECE):
                    piece = view[start : start + PIECE]
                    conn.sock.settimeout(clock.wait_to_move(piece.nbytes))
                    conn.sock.sendall(piece)
                    clock.moved(piece.nbytes)
            resp = conn.getresponse()
            data = read_body(resp, limit, clock, self._too_large(method, target, limit))
            if resp.will_close:
                self._drop()
            where = f"{method} {self.url}{target.split('?')[0]}"
            return Answer(resp.status, resp.headers, data, where)
        except MetadataError:  # too large: not an outage, so not retried
            self._drop()
            raise
        except socket.gaierror as exc:
            self._drop()
            raise ServiceUnavailable(
                f"Cannot resolve the metadata service host in {self.url}: {exc.strerror}."
            ) from None
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            self._drop()
            raise _Retry(f"{type(exc).__name__}: {exc}", stale=reused) from None
        except (OSError, http.client.HTTPException) as exc:  # refused, timed out, unreachable
            self._drop()
            raise _Retry(f"{type(exc).__name__}: {exc}") from None

    def _too_large(
        self, method: str, target: str, limit: int
    ) -> Callable[[int | None], MetadataError]:
        blob = limit == self.limits.max_blob and limit != self.limits.max_answer
        setting = "FLOWSCOPE_SERVICE_MAX_BLOB_MB" if blob else "FLOWSCOPE_SERVICE_MAX_ANSWER_MB"

        def error(declared: int | None) -> MetadataError:
            size = f"{declared} bytes" if declared is not None else "a longer body"
            return MetadataError(
                f"{method} {self.url}{target.split('?')[0]} answered with {size}, more than "
                f"the {limit / MiB:g} MiB this call accepts ({setting}). Check that the "
                f"address is a flowscope service; raise {setting} if the answer is genuine."
            )

        return error

    def fail(self, method: str, target: str, answer: Answer) -> NoReturn:
        """Raise the flowscope error an error answer stands for."""
        kind, message = error_type(answer), _error_message(answer)
        if answer.status == 401:
            raise AuthenticationError(
                f"The metadata service at {self.url} refused the request: {message} Check the "
                f"token (FLOWSCOPE_SERVICE_TOKEN or FLOWSCOPE_SERVICE_TOKEN_FILE)."
            )
        cls = error_class(kind)
        if cls is not None:
            if message.endswith("with no message"):  # name who said so, at least
                path = target.split("?")[0]
                message = f"The metadata service at {self.url} answered {method} {path}: {message}."
            raise cls(message)
        raise MetadataError(
            f"The metadata service at {self.url} answered {method} {target.split('?')[0]} with "
            f"{answer.status}: {message}"
        )


def _error_body(answer: Answer) -> Any:
    try:
        return json.loads(answer.body)
    except (ValueError, RecursionError):
        return None


def error_type(answer: Answer) -> str | None:
    try:
        kind = _error_body(answer)["error"]["type"]
    except (KeyError, TypeError, IndexError):
        return None
    return kind if isinstance(kind, str) else None


def _error_message(answer: Answer) -> str:
    try:
        message = _error_body(answer)["error"]["message"]
        if isinstance(message, str) and message.strip():
            return message
    except (KeyError, TypeError, IndexError):
        pass
    else:  # a well-formed error without a message: say what little the answer did say
        kind = error_type(answer) or "an error"
        reason = http.client.responses.get(answer.status, "")
        return f"HTTP {answer.status} {reason} ({kind}) with no message".replace("  ", " ")
    text = bytes(answer.body[:200]).decode("utf-8", "replace").strip()
    return text or http.client.responses.get(answer.status, "no message")
