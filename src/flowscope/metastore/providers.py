"""Choose a metadata provider by address: a directory (local) or an http(s) URL (service).

A `file://` URL names a local directory; any other scheme (`s3://`, `ftp://`, `gs:`) is
refused, never taken as a relative directory name. Addresses are echoed without credentials.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from flowscope.config import STORE_DIRNAME, Settings
from flowscope.errors import MetadataError
from flowscope.metastore.provider import MetadataProvider
from flowscope.remote.transport import Limits, MiB
from flowscope.remote.urls import redact, scheme_of

EXPECTED = "a directory, file:///path, or an http(s)://host[:port] URL of a flowscope service"


def open_provider(address: str, settings: Settings, *, create: bool = False) -> MetadataProvider:
    """`local@DIR`, `DIR`, `service@URL` or `http(s)://...`.

    A local DIR may be the store itself or a directory holding `.flowscope`. `create` makes a
    missing local store (the runtime does; the client does not).
    """
    if not isinstance(address, str) or not address.strip():
        raise MetadataError(f"A metadata address must be {EXPECTED}, got {address!r}.")
    kind, _, rest = address.partition("@")
    if kind in ("local", "service") and rest:
        address = rest
    scheme = scheme_of(address)
    if scheme in ("http", "https"):
        from flowscope.metastore.http import HttpMetadataProvider  # optional: needs the network

        return HttpMetadataProvider(
            address,
            token=settings.service_token,
            timeout=settings.service_timeout,
            limits=limits(settings),
        )
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
    from flowscope.metastore.local import is_store, open_local

    root = Path(address).expanduser()
    if not is_store(root) and root.name != STORE_DIRNAME:
        nested = root / STORE_DIRNAME
        if is_store(nested) or create:
            root = nested
    return open_local(root, create=create, lost_after=settings.lost_after)


def default_address(settings: Settings, cwd: Path | None = None) -> str:
    """The service from FLOWSCOPE_SERVICE_URL, else the nearest local store (like git)."""
    if settings.service_url:
        return settings.service_url
    return str(settings.store_root(cwd))


def limits(settings: Settings) -> Limits:
    """The HTTP client's bounds, from the FLOWSCOPE_SERVICE_* settings."""
    return Limits(
        max_answer=int(settings.service_max_answer_mb * MiB),
        max_blob=int(settings.service_max_blob_mb * MiB),
        min_rate=settings.service_min_rate_mb * MiB,
    )


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
