"""The same-origin rules (flowscope/web/origin.py) as the API's pure ASGI middleware.

The rules themselves (Host served, Origin of its own, JSON writes) live in `flowscope.web`,
which the web UI's guard shares; here they are applied before the token check, and a refusal
is answered as the API's JSON error (421 MisdirectedRequest, 403 CrossOriginRequest, 415
UnsupportedMediaType). A websocket that breaks them is closed (1008).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from flowscope.service.wire import error_response
from flowscope.web.origin import (
    LOOPBACK_NAMES,
    AllowedHosts,
    check_request,
    first_headers,
    normalize_host,
    split_host,
)

__all__ = ["LOOPBACK_NAMES", "AllowedHosts", "SameOriginGuard", "normalize_host", "split_host"]


class SameOriginGuard:
    """Pure ASGI middleware enforcing the rules before the app sees a request."""

    def __init__(self, app: ASGIApp, hosts: AllowedHosts) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self.check(scope)
            if refusal is not None:
                status, kind, message = refusal
                await error_response(status, kind, message)(scope, receive, send)
                return
        elif scope["type"] == "websocket" and self.check(scope) is not None:
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> tuple[int, str, str] | None:
        """(status, error type, message) when the request breaks a rule, else None."""
        refusal = check_request(
            scope.get("method", "GET"),
            first_headers(scope["headers"]),
            scope.get("scheme", "http"),
            self.hosts,
            writes="json",
        )
        return None if refusal is None else (refusal.status, refusal.kind, refusal.message)
