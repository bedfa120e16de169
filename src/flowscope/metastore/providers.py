"""Choose a metadata provider by address: a directory (local) or an http(s) URL (service)."""

from __future__ import annotations

from pathlib import Path

from flowscope.config import STORE_DIRNAME, ConfigError, Settings, expand_path
from flowscope.errors import MetadataError
from flowscope.metastore.provider import MetadataProvider


def open_provider(address: str, settings: Settings, *, create: bool = False) -> MetadataProvider:
    """`local@DIR`, `DIR`, `service@URL` or `http(s)://...`.

    A local DIR may be the store itself or a directory holding `.flowscope`. `create` makes a
    missing local store (the runtime does; the client does not).
    """
    if not isinstance(address, str) or not address.strip():
        raise MetadataError(
            f"A metadata address must be a directory or an http(s) URL, got {address!r}."
        )
    kind, _, rest = address.partition("@")
    if kind in ("local", "service") and rest:
        address = rest
    if address.startswith(("http://", "https://")):
        from flowscope.metastore.http import HttpMetadataProvider  # optional: needs the network

        return HttpMetadataProvider(
            address, token=settings.service_token, timeout=settings.service_timeout
        )
    if kind == "service":
        raise MetadataError(f"service@ needs an http(s) URL, got {address!r}.")
    from flowscope.metastore.local import is_store, open_local

    try:
        root = expand_path(address)
    except ConfigError as exc:
        raise MetadataError(f"{exc}") from None
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
