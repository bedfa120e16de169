"""Same-origin rules for every request, shared by the service's API and the web UI (pure).

A page on any site, open in the browser of someone who can reach a flowscope server, can make
that browser send requests to it: "simple" cross-origin POSTs (form-encoded or text/plain
bodies go without a CORS preflight), and, through DNS rebinding (a name the attacker controls
that now resolves to the server's address), any request at all, answers included. A token
stops both; these rules stop them for a server without one, and add depth with one:

- `Host` must name the server (`AllowedHosts`): a rebound name is refused (421).
- `Origin`, which browsers send on cross-origin requests and on same-origin writes, must be
  the server's own (the request's scheme and Host, or an allowed host name), else 403;
  `null` (sandboxed frames, file: pages) is never the server's own.
- a write (any method but GET, HEAD, OPTIONS) must show where it comes from, by one of two
  rules (`check_request(writes=...)`):
  - "json" (the API): a POST, PUT or PATCH says its body is JSON (a PUT may send
    application/octet-stream), else 415; a page cannot send either cross-origin without a
    preflight, and no flowscope server grants one;
  - "same-origin" (the UI's forms): the write sends this server's Origin or, without one, a
    same-origin Referer, else 403.

`check_request` returns a `Refusal` (status, error type, message) or None; each server answers
a refusal in its own format.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("", "0.0.0.0", "::")
ANY_HOST = "*"
JSON = "application/json"
JSON_WRITES: dict[str, frozenset[str]] = {
    "POST": frozenset({JSON}),
    "PUT": frozenset({JSON, "application/octet-stream"}),
    "PATCH": frozenset({JSON}),
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_PORTS = {"http": 80, "https": 443}
WriteRule = Literal["json", "same-origin"]


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

    @classmethod
    def named(cls, names: Iterable[str]) -> AllowedHosts:
        """Exactly these names (an Origin must then be the request's own Host)."""
        return cls(frozenset(normalize_host(n) for n in names if n.strip()))

    def allows(self, host: str) -> bool:
        if self.any_host or host in self.names:
            return True
        return self.any_ip and _ip(host) is not None

    def describe(self) -> str:
        shown = sorted(self.names) + (["any IP address"] if self.any_ip else [])
        return ", ".join(shown)


@dataclass(frozen=True)
class Refusal:
    status: int
    kind: str
    message: str


def first_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """An ASGI header list as a dict (names are lower case there); the first value wins."""
    headers: dict[bytes, bytes] = {}
    for name, value in raw:
        headers.setdefault(name.lower(), value)
    return headers


def check_request(
    method: str,
    headers: Mapping[bytes, bytes],
    scheme: str,
    hosts: AllowedHosts,
    *,
    writes: WriteRule,
) -> Refusal | None:
    """The first rule `method` with `headers` (over `scheme`) breaks, or None."""
    raw_host = headers.get(b"host", b"").decode("latin-1")
    host = split_host(raw_host)
    if host is None or not hosts.allows(host[0]):
        return Refusal(
            421,
            "MisdirectedRequest",
            f"This server does not answer to the host {raw_host[:100]!r}; it answers to "
            f"{hosts.describe()}. Use one of those in the URL, or start it with "
            "--allowed-host NAME for the name clients use.",
        )
    origin = headers.get(b"origin")
    if origin is not None and not same_origin(origin.decode("latin-1"), host, scheme, hosts):
        return Refusal(
            403,
            "CrossOriginRequest",
            f"Requests from the origin {origin.decode('latin-1')[:100]!r} are refused: "
            "this server answers only to pages of its own origin.",
        )
    method = method.upper()
    if writes == "json":
        accepted = JSON_WRITES.get(method)
        if accepted is not None:
            given = headers.get(b"content-type", b"").decode("latin-1")
            media = given.split(";", 1)[0].strip().lower()
            if media not in accepted:
                return Refusal(
                    415,
                    "UnsupportedMediaType",
                    f"{method} needs Content-Type: {' or '.join(sorted(accepted))}, "
                    f"got {given[:100]!r}.",
                )
    elif method not in SAFE_METHODS and origin is None:
        referer = headers.get(b"referer")
        if referer is None or not same_origin(referer.decode("latin-1"), host, scheme, hosts):
            return Refusal(
                403,
                "CrossOriginRequest",
                "A write must come from this server's own pages (it sent no Origin, and no "
                "Referer of this origin).",
            )
    return None


def same_origin(url: str, host: tuple[str, int | None], scheme: str, hosts: AllowedHosts) -> bool:
    """True when `url` (an Origin, or a Referer) is of the request's own origin: the request's
    scheme, host and port (default ports filled in), or a host name the operator allowed."""
    try:
        parts = urllib.parse.urlsplit(url)
        name, port = parts.hostname, parts.port
    except ValueError:
        return False
    if not name or parts.scheme not in DEFAULT_PORTS:
        return False  # "null" (sandboxed frames, file: pages), javascript: and anything odd
    name = normalize_host(name)
    if name in hosts.extra:
        return True
    scheme = {"ws": "http", "wss": "https"}.get(scheme, scheme)  # a page opens ws://
    if parts.scheme != scheme or name != host[0]:
        return False
    default = DEFAULT_PORTS[scheme]
    return (port or default) == (host[1] or default)
