"""Choose a metadata provider by address: a directory (local) or an http(s) URL (service).

A `file://` URL names a local directory; any other scheme (`s3://`, `ftp://`, `gs:`) is
refused, never taken as a relative directory name. Addresses are echoed without credentials.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Literal

from flowscope.config import STORE_DIRNAME, ConfigError, Settings, expand_path
from flowscope.errors import MetadataError
from flowscope.frozen import Frozen, init
from flowscope.metastore.provider import MetadataProvider
from flowscope.remote.urls import ServiceAddress, redact, scheme_of

EXPECTED = "a directory or an http(s)://host[:port] URL of a flowscope service (or file:///path)"


class Address(Frozen):
    """A metadata address, resolved but not opened: a local store directory or a service URL."""

    __slots__ = ("kind", "target")
    kind: Literal["local", "service"]
    target: str  # the absolute store directory, or the service URL without a trailing slash

    def __init__(self, kind: Literal["local", "service"], target: str) -> None:
        init(self, "kind", kind)
        init(self, "target", target)

    def __str__(self) -> str:
        return f"{self.kind}@{self.target}"


def resolve_address(address: str, *, create: bool = False) -> Address:
    """`local@DIR`, `DIR`, `service@URL` or `http(s)://...`, without opening anything.

    A local DIR may be the store itself or a directory holding `.flowscope`; with `create`
    (the runtime) a directory without a store resolves to its `.flowscope`, to be created.
    """
    if not isinstance(address, str) or not address.strip():
        raise MetadataError(f"A metadata address must be {EXPECTED}, got {address!r}.")
    kind, _, rest = address.partition("@")
    if kind in ("local", "service") and rest:
        address = rest
    scheme = scheme_of(address)
    if scheme in ("http", "https"):
        return Address("service", ServiceAddress.parse(address).url)  # bad ports, credentials
    if kind == "service":
        raise MetadataError(f"service@ needs an http(s) URL, got {redact(address)!r}.")
    if scheme == "file":
        address = _file_path(address)
    elif scheme is not None:
        raise MetadataError(
            f"The metadata address {redact(address)!r} has the scheme {scheme}:, which "
            f"flowscope cannot read; expected {EXPECTED}. (A directory whose name holds a "
            f"colon can be given as ./{redact(address)}.)"
        )
    from flowscope.metastore.local import is_store

    try:
        root = expand_path(address)
    except ConfigError as exc:
        raise MetadataError(f"{exc}") from None
    if not is_store(root) and root.name != STORE_DIRNAME:
        nested = root / STORE_DIRNAME
        if is_store(nested) or create:
            root = nested
    return Address("local", str(root.absolute()))


def open_provider(
    address: str | Address, settings: Settings, *, create: bool = False
) -> MetadataProvider:
    """The provider at `address` (see `resolve_address`). `create` makes a missing local store
    (the runtime does; the client does not)."""
    where = address if isinstance(address, Address) else resolve_address(address, create=create)
    if where.kind == "service":
        from flowscope.metastore.http import HttpMetadataProvider  # optional: needs the network
        from flowscope.remote.transport import Limits  # http.client, ssl: only for a service

        return HttpMetadataProvider(
            where.target,
            token=settings.service_token,
            timeout=settings.service_timeout,
            limits=Limits.from_settings(settings),
        )
    from flowscope.metastore.local import open_local

    return open_local(Path(where.target), create=create, lost_after=settings.lost_after)


def default_address(settings: Settings, cwd: Path | None = None) -> str:
    """The service from FLOWSCOPE_SERVICE_URL, else the nearest local store (like git)."""
    if settings.service_url:
        return settings.service_url
    return str(settings.store_root(cwd))


def _file_path(address: str) -> str:
    """The local directory a `file:` URL names (file:///p or file://localhost/p)."""
    parts = urllib.parse.urlsplit(address)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise MetadataError(
            f"The metadata address {redact(address)!r} is a file: URL of another host or "
            f"without an absolute path (scheme file: needs file:///absolute/path); expected "
            f"{EXPECTED}."
        )
    return urllib.parse.unquote(parts.path)
