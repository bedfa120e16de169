"""The UI's request checks: Host and Origin, CSRF tokens for writes, security headers.

- Host: a request must name one of the allowed host names (loopback names by default), so a
  page reached through DNS rebinding (a foreign name that resolves to 127.0.0.1) is refused.
- Origin: when a browser sends one, it must be this UI's own origin (scheme://Host); a write
  (POST) must send it or a same-origin Referer. Cross-site pages can neither write nor read.
- CSRF: a write carries a token that is an HMAC, under a secret made when the app is, of the
  run it changes; `csrf_token` makes it, `check_csrf` checks it in constant time.
- Every answer carries a Content-Security-Policy that allows only this origin's script and
  style files (no inline script), data: images, and frames from this origin only.

The service's own Host/Origin middleware may take this one's place when the UI is mounted in
`flowscope service`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'self'"
)
CARD_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"cache-control", b"no-store"),
]
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def host_name(host: str) -> str:
    """`example.org:80` -> `example.org`; `[::1]:8765` -> `::1` (lower case)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.rsplit(":", 1)[0]
    return host


class HostOriginGuard:
    """ASGI middleware refusing foreign Host headers and cross-origin requests with 403."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.strip().lower().strip("[]") for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self.problem(scope.get("method", "GET"), headers)
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

    def problem(self, method: str, headers: dict[str, str]) -> str | None:
        host = headers.get("host", "")
        if host_name(host) not in self.allowed:
            return "This address is not one this UI answers to (Host refused)."
        origin = headers.get("origin")
        if origin is not None and origin != "null":
            if not _same_origin(origin, host):
                return "Cross-origin requests are refused (Origin is not this UI)."
        if method.upper() not in SAFE_METHODS:
            if origin == "null":
                return "Writes from an opaque origin are refused."
            if origin is None:
                referer = headers.get("referer")
                if referer is None or not _same_origin(referer, host):
                    return "A write must come from this UI's own pages (no Origin or Referer)."
        return None


def _same_origin(url: str, host: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()


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
