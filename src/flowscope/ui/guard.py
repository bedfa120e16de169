"""The UI's request checks: the same-origin rules, CSRF tokens for writes, security headers.

- Host and Origin: the rules every flowscope server applies (`flowscope.web.origin`, shared
  with the service's API): a request must name an allowed host (loopback names by default),
  so a page reached through DNS rebinding is refused; an Origin must be this UI's own; a
  write (POST) must send it or a same-origin Referer. The UI answers a refusal with a plain
  403 page.
- CSRF: a write carries a token that is an HMAC, under a secret made when the app is (or
  handed to it, so that several server processes agree), of the run it changes;
  `csrf_token` makes it, `check_csrf` checks it in constant time.
- Every answer carries a Content-Security-Policy that allows only this origin's script and
  style files (no inline script), data: images, and frames from this origin only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from flowscope.web.origin import (
    LOOPBACK_NAMES as _LOOPBACK,
    AllowedHosts,
    check_request,
    first_headers,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("127.0.0.1", *(n for n in _LOOPBACK if n != "127.0.0.1"))
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'self'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cache-control", b"no-store"),
]


def host_name(host: str) -> str:
    """`example.org:80` -> `example.org`; `[::1]:8765` -> `::1` (lower case)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.rsplit(":", 1)[0]
    return host


class HostOriginGuard:
    """ASGI middleware refusing foreign Host headers and cross-origin requests with 403, and
    adding the security headers to every answer. `allowed_hosts`: names, or the service's
    `AllowedHosts` when the UI is served by `flowscope service`."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str] | AllowedHosts) -> None:
        self.app = app
        self.hosts = (
            allowed_hosts
            if isinstance(allowed_hosts, AllowedHosts)
            else AllowedHosts.named(allowed_hosts)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self.problem(scope.get("method", "GET"), headers, scope.get("scheme", "http"))
        if problem is not None:
            await _refuse(send, problem)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                if b"content-security-policy" not in present:
                    extra.append((b"content-security-policy", CSP.encode()))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, with_headers)

    def problem(self, method: str, headers: dict[str, str], scheme: str = "http") -> str | None:
        """The refusal's message when the request breaks a same-origin rule, else None."""
        raw = first_headers((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())
        refusal = check_request(method, raw, scheme, self.hosts, writes="same-origin")
        return None if refusal is None else refusal.message


async def _refuse(send: Send, reason: str) -> None:
    body = f"403 Forbidden: {reason}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def csrf_token(secret: bytes, target: str) -> str:
    """The token a write to `target` (a run's pathspec) must carry."""
    return hmac.new(secret, b"tags:" + target.encode("utf-8"), hashlib.sha256).hexdigest()


def check_csrf(secret: bytes, target: str, token: object) -> bool:
    return isinstance(token, str) and hmac.compare_digest(csrf_token(secret, target), token)
