"""Same-origin rules for every request, as pure ASGI middleware (the API's, and a web UI's).

A page on any site, open in the browser of someone who can reach the service, can make that
browser send requests to it: "simple" cross-origin POSTs (text/plain or form-encoded bodies
go without a CORS preflight), and, through DNS rebinding (a name the attacker controls that
now resolves to the service's address), any request at all, answers included. A bearer
token stops both; these rules stop them for a service without one, and add depth with one:

- `Host` must name the service (`AllowedHosts`), else 421 MisdirectedRequest: a rebound
  name is refused.
- `Origin`, which browsers send on every cross-origin request and on same-origin writes,
  must be the service's own (the request's Host, or an allowed host), else 403
  CrossOriginRequest. Clients other than browsers send none.
- a state change with a body (POST, PUT, PATCH) must say its body is JSON (a PUT may send
  application/octet-stream, for blobs), else 415 UnsupportedMediaType: a page cannot send
  either cross-origin without a preflight, and the service never grants one (nor one for
  DELETE, which has no body to type).
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from flowscope.service.wire import error_response

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("", "0.0.0.0", "::")
ANY_HOST = "*"
JSON = "application/json"
STATE_CHANGES: dict[str, frozenset[str]] = {
    "POST": frozenset({JSON}),
    "PUT": frozenset({JSON, "application/octet-stream"}),
    "PATCH": frozenset({JSON}),
}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def normalize_host(name: str) -> str:
    """A host name as compared: lowercase, no brackets around IPv6, no trailing dot."""
    name = name.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name[:-1] if name.endswith(".") else name


def split_host(value: str) -> tuple[str, int | None] | None:
    """(host, port) of a Host header value, or None when it is malformed."""
    try:
        parts = urllib.parse.urlsplit(f"//{value}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return normalize_host(host), port


@dataclass(frozen=True)
class AllowedHosts:
    """The names a request's Host may give: the bound address and what the operator adds."""

    names: frozenset[str]
    any_ip: bool = False  # a wildcard bind answers on every address: any IP literal is ours
    any_host: bool = False  # `--allowed-host '*'`: no Host check (Origin is still checked)
    extra: frozenset[str] = frozenset()  # names the operator allowed (accepted as Origin too)

    @classmethod
    def for_bind(cls, bind: str, extra: Iterable[str] = ()) -> AllowedHosts:
        """The bound address; loopback names for a loopback or wildcard bind; plus `extra`."""
        bind = normalize_host(bind)
        added = frozenset(normalize_host(name) for name in extra if name.strip())
        names = {bind, *added} - {ANY_HOST}
        ip = _ip(bind)
        wildcard = bind in WILDCARD_BINDS
        if bind == "localhost" or wildcard or (ip is not None and ip.is_loopback):
            names.update(LOOPBACK_NAMES)
        return cls(frozenset(names), wildcard, ANY_HOST in added, added - {ANY_HOST})

    def allows(self, host: str) -> bool:
        if self.any_host or host in self.names:
            return True
        return self.any_ip and _ip(host) is not None

    def describe(self) -> str:
        shown = sorted(self.names) + (["any IP address"] if self.any_ip else [])
        return ", ".join(shown)


class SameOriginGuard:
    """Pure ASGI middleware enforcing the module's three rules before the app sees a request."""

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
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        raw_host = headers.get(b"host", b"").decode("latin-1")
        host = split_host(raw_host)
        if host is None or not self.hosts.allows(host[0]):
            return (
                421,
                "MisdirectedRequest",
                f"This service does not answer to the host {raw_host[:100]!r}; it answers to "
                f"{self.hosts.describe()}. Use one of those in the URL, or start the service "
                "with --allowed-host NAME for the name clients use.",
            )
        origin = headers.get(b"origin")
        if origin is not None and not self._same_origin(
            origin.decode("latin-1"), host, scope.get("scheme", "http")
        ):
            return (
                403,
                "CrossOriginRequest",
                f"Requests from the origin {origin.decode('latin-1')[:100]!r} are refused: "
                "this service answers only to pages of its own origin.",
            )
        method = scope.get("method", "GET")
        accepted = STATE_CHANGES.get(method)
        if accepted is not None:
            given = headers.get(b"content-type", b"").decode("latin-1")
            media = given.split(";", 1)[0].strip().lower()
            if media not in accepted:
                return (
                    415,
                    "UnsupportedMediaType",
                    f"{method} needs Content-Type: {' or '.join(sorted(accepted))}, "
                    f"got {given[:100]!r}.",
                )
        return None

    def _same_origin(self, origin: str, host: tuple[str, int | None], scheme: str) -> bool:
        try:
            parts = urllib.parse.urlsplit(origin)
            name, port = parts.hostname, parts.port
        except ValueError:
            return False
        if not name or parts.scheme not in _DEFAULT_PORTS:
            return False  # "null" (sandboxed frames, file: pages) and anything odd
        name = normalize_host(name)
        if name in self.hosts.extra:
            return True
        scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)  # a page opens ws://
        if parts.scheme != scheme or name != host[0]:
            return False
        default = _DEFAULT_PORTS[scheme]
        return (port or default) == (host[1] or default)
