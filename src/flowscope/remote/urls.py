"""Service addresses: parse `http(s)://host[:port][/prefix]`, and show any address safely.

Pure. Credentials written into an address (`user:password@host`) are refused, and never
echoed: every message that repeats an address goes through `redact`.
"""

from __future__ import annotations

import re
import urllib.parse

from flowscope.errors import MetadataError
from flowscope.frozen import Frozen, init

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")
_USERINFO = re.compile(r"(?<=//)[^/?#@]*@")


def scheme_of(address: str) -> str | None:
    """The URL scheme `address` starts with (two characters or more: `C:` is a drive)."""
    match = _SCHEME.match(address)
    return match.group(1).lower() if match else None


def redact(address: str) -> str:
    """`address` with any `user:password@` replaced by `***@`, for messages."""
    text = _USERINFO.sub("***@", address)
    kind, at, rest = text.partition("@")
    if at and kind in ("local", "service"):  # service@user:pass@host
        return f"{kind}@{redact(rest)}"
    if "//" not in text:  # user:pass@host/path, without a scheme
        netloc, slash, path = text.partition("/")
        userinfo, at, host = netloc.rpartition("@")
        if at and ":" in userinfo:
            return f"***@{host}{slash}{path}"
    return text


class ServiceAddress(Frozen):
    """A parsed service URL: `url` is what messages show (no trailing slash)."""

    __slots__ = ("url", "https", "host", "port", "path")
    url: str
    https: bool
    host: str
    port: int | None
    path: str

    def __init__(self, url: str, https: bool, host: str, port: int | None, path: str) -> None:
        init(self, "url", url)
        init(self, "https", https)
        init(self, "host", host)
        init(self, "port", port)
        init(self, "path", path)

    @classmethod
    def parse(cls, url: str) -> ServiceAddress:
        shown = redact(url) if isinstance(url, str) else repr(url)
        expected = "a metadata service URL must be http(s)://host[:port][/prefix]"
        if not isinstance(url, str):
            raise MetadataError(f"Got {shown} where {expected}.")
        try:
            parts = urllib.parse.urlsplit(url.strip())
        except ValueError as exc:
            raise MetadataError(f"Cannot read {shown!r} ({exc}): {expected}.") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MetadataError(f"Got {shown!r}, but {expected}.")
        if "@" in parts.netloc:
            raise MetadataError(
                f"The metadata service URL {shown!r} carries credentials: leave them out, and "
                f"give the token in FLOWSCOPE_SERVICE_TOKEN or FLOWSCOPE_SERVICE_TOKEN_FILE."
            )
        try:
            port = parts.port
        except ValueError:
            raise MetadataError(
                f"The metadata service URL {shown!r} has a bad port: it must be a number "
                f"from 1 to 65535."
            ) from None
        if port == 0:
            raise MetadataError(
                f"The metadata service URL {shown!r} has port 0: it must be 1 to 65535."
            )
        if parts.query or parts.fragment:
            raise MetadataError(
                f"The metadata service URL {shown!r} has a query or fragment: {expected}."
            )
        return cls(
            url=url.strip().rstrip("/"),
            https=parts.scheme == "https",
            host=parts.hostname,
            port=port,
            path=parts.path.rstrip("/"),
        )
