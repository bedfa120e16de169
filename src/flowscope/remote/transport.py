"""One HTTP round trip to the metadata service, bounded in time, with keep-alive connections.

Stdlib only (`http.client`): one persistent connection per thread (and per process: a forked
worker opens its own). Every call has a total time bound:

- reads, and anything before the service has answered once: `timeout` seconds (default 5,
  FLOWSCOPE_SERVICE_TIMEOUT). A dead or unreachable service is a `ServiceUnavailable` naming
  the URL within that bound: connection refused/reset and 502/503/504 answers are retried a
  few times with jittered exponential backoff (50 ms doubling to 1 s) until it is spent.
- writes, once the service has answered at least once: `write_timeout` seconds (default
  max(timeout, 20)), so a run survives a service or PostgreSQL restart mid-run. Every write
  is safe to repeat: batches are idempotent on the server, and create_run carries an
  idempotency key.

A stale keep-alive connection (closed by the server while idle) is replaced at once, without
counting as a failure. Large blob transfers bound each socket operation by `timeout` rather
than the whole call. Error answers become the flowscope error the server names.
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from flowscope.errors import AuthenticationError, MetadataError, ServiceUnavailable
from flowscope.remote.wire import error_class

API_PREFIX = "/api/v1"
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


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
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MetadataError(
                f"A metadata service URL must be http(s)://host[:port][/prefix], got {url!r}."
            )
        if timeout <= 0:
            raise MetadataError(f"The service timeout must be positive, got {timeout!r}.")
        self.url = url.rstrip("/")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self.prefix = parts.path.rstrip("/") + API_PREFIX
        self.timeout = float(timeout)
        self.write_timeout = float(write_timeout) if write_timeout else max(self.timeout, 20.0)
        self._headers = {"Accept": "application/json", "User-Agent": "flowscope"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._local = threading.local()
        self._answered = False
        self._lock = threading.Lock()
        self._all: list[http.client.HTTPConnection] = []

    # ---- connections ---------------------------------------------------------------------
    def _connection(self) -> tuple[http.client.HTTPConnection, bool]:
        """This thread's connection, and whether it was used before (may have gone stale)."""
        local = self._local
        conn: http.client.HTTPConnection | None = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid():
            return conn, True
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self.timeout)
        local.conn, local.pid = conn, os.getpid()
        with self._lock:
            self._all.append(conn)
        return conn, False

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
        """Send one request; return the answer if 2xx or in `ok`, else raise its error."""
        target = self.prefix + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        bound = self.write_timeout if write and self._answered else self.timeout
        deadline = time.monotonic() + bound
        delay, tries, reason = 0.05, 0, ""
        while True:
            tries += 1
            remaining = deadline - time.monotonic()
            try:
                answer = self._once(
                    method,
                    target,
                    body,
                    headers,
                    self.timeout if transfer else max(min(remaining, self.timeout), 0.05),
                )
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
                reason = f"HTTP {answer.status}: {_error_message(answer)}"
            if time.monotonic() + delay >= deadline:
                raise ServiceUnavailable(
                    f"The metadata service at {self.url} did not answer {method} {path} within "
                    f"{bound:g} s ({tries} attempt{'s' * (tries > 1)}; last: {reason}). Check that "
                    f"`flowscope service` is running there and reachable, or raise "
                    f"FLOWSCOPE_SERVICE_TIMEOUT."
                )
            time.sleep(delay * (0.5 + random.random() / 2))
            delay = min(delay * 2, 1.0)

    def _once(
        self,
        method: str,
        target: str,
        body: bytes | Sequence[bytes | bytearray | memoryview] | None,
        headers: Mapping[str, str] | None,
        socket_timeout: float,
    ) -> Answer:
        conn, reused = self._connection()
        conn.timeout = socket_timeout
        if conn.sock is not None:
            conn.sock.settimeout(socket_timeout)
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            for name, value in {**self._headers, **(headers or {})}.items():
                conn.putheader(name, value)
            chunks = [] if body is None else [body] if isinstance(body, bytes) else list(body)
            if body is not None or method in ("POST", "PUT"):
                conn.putheader("Content-Length", str(sum(memoryview(c).nbytes for c in chunks)))
            conn.endheaders()
            for chunk in chunks:
                conn.send(chunk)
            resp = conn.getresponse()
            data = resp.read()
            if resp.will_close:
                self._drop()
            return Answer(resp.status, resp.headers, data)
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
            raise cls(message)
        raise MetadataError(
            f"The metadata service at {self.url} answered {method} {target.split('?')[0]} with "
            f"{answer.status}: {message}"
        )


def error_type(answer: Answer) -> str | None:
    try:
        kind = answer.json()["error"]["type"]
    except (ValueError, KeyError, TypeError):
        return None
    return kind if isinstance(kind, str) else None


def _error_message(answer: Answer) -> str:
    try:
        message = answer.json()["error"]["message"]
        if isinstance(message, str):
            return message
    except (ValueError, KeyError, TypeError):
        pass
    text = answer.body[:200].decode("utf-8", "replace").strip()
    return text or http.client.responses.get(answer.status, "no message")
