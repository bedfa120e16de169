"""Time bounds on what clients send: uvicorn's HTTP protocol with a deadline per phase.

uvicorn closes a keep-alive connection that stays idle after a response, but nothing else:
a socket that never sends a byte, headers sent one byte at a time (slowloris) and a body
trickled in (each byte re-arms nothing) hold a connection, and its memory, for ever. Here:

- a request's line and headers must arrive within `header_timeout` seconds, counted from the
  connection's opening for its first request (so an idle or half-open socket is closed), and
  from a request's first byte for the next ones (the idle wait between requests is
  uvicorn's keep-alive bound);
- its body within `body_timeout` seconds plus one second per `MIN_BODY_RATE` bytes received,
  so a large upload on a slow link goes through, but a trickle does not.

Past a deadline the connection is closed; a handler waiting for the body sees a disconnect.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from flowscope.service.context import DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT

MIN_BODY_RATE = 64 * 1024
"""Bytes per second a body must average, beyond its first `body_timeout` seconds."""


class DeadlineProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that closes connections whose headers or body arrive too slowly."""

    def __init__(
        self,
        *args: Any,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._body_timeout = body_timeout
        self._deadline: asyncio.TimerHandle | None = None
        self._body_started = 0.0
        self._body_received = 0

    # ---- the phases ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self._header_timeout, self._headers_late)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a later request on this connection: count from here
            self._arm(self._header_timeout, self._headers_late)

    def on_headers_complete(self) -> None:
        self._body_started, self._body_received = time.monotonic(), 0
        self._arm(self._body_timeout, self._body_late)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_received += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the connection now belongs to a websocket protocol
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # ---- the timer -----------------------------------------------------------------------
    def _arm(self, delay: float, then: Callable[[], None]) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(delay, then)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_late(self) -> None:
        self._deadline = None
        self._close()

    def _body_late(self) -> None:
        self._deadline = None
        allowed = self._body_timeout + self._body_received / MIN_BODY_RATE
        left = self._body_started + allowed - time.monotonic()
        if left > 0:  # the body is arriving fast enough: look again when its allowance ends
            self._arm(left, self._body_late)
            return
        self._close()

    def _close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()


def protocol_factory(header_timeout: float, body_timeout: float) -> Callable[..., Any]:
    """What uvicorn's `http=` takes: the protocol with these bounds (picklable for workers)."""
    return functools.partial(
        DeadlineProtocol, header_timeout=header_timeout, body_timeout=body_timeout
    )
