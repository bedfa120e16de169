"""The storage protocol every blob backend implements, and the registry that opens one by URL.

A backend stores opaque bytes under a key; it neither hashes nor compresses (that is
``ContentStore``'s job), so an S3 or HTTP-proxy backend is a handful of small methods.

Backends are named by URL scheme and imported only when chosen::

    open_storage("/data/flowscope")        -> LocalStorage
    open_storage("file:///data/flowscope") -> LocalStorage
    open_storage("memory://")              -> MemoryStorage (a new, empty one each call)
    open_storage("http://svc:8080")        -> HttpBlobStorage (the service's blob proxy)

Each factory is called with the URL and the `Settings` in force (a backend reads its token,
timeouts or limits there); `open_storage` reads them from the environment when none are given.
"""

from __future__ import annotations

import importlib
import mmap
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

from flowscope.errors import DataStoreError

if TYPE_CHECKING:
    from flowscope.config import Settings

Chunk: TypeAlias = bytes | bytearray | memoryview
"""One piece of a blob handed to a backend; a blob is the concatenation of its chunks."""


@runtime_checkable
class BlobStorage(Protocol):
    """Raw bytes by key. Writes are atomic and idempotent; reads return the whole stored blob."""

    def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""
        ...

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        """The subset of ``keys`` that are stored."""
        ...

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        """Store the concatenation of ``chunks`` under ``key``, atomically.

        If ``key`` is already stored this does nothing: keys are content addresses, so the
        stored bytes are already the right ones.
        """
        ...

    def read(self, key: str) -> bytearray:
        """The whole stored blob; raises BlobNotFound if there is none."""
        ...

    def size(self, key: str) -> int:
        """The stored size of the blob in bytes; raises BlobNotFound if there is none."""
        ...

    def locate(self, key: str) -> str:
        """Where the blob lives (a path or URL), for messages."""
        ...


@runtime_checkable
class MappableStorage(BlobStorage, Protocol):
    """A backend that can hand out a large blob as a private (copy-on-write) memory map."""

    def read_mapped(self, key: str) -> bytearray | mmap.mmap:
        """Like ``read``, but may return a copy-on-write map of the stored file instead."""
        ...


@dataclass(frozen=True)
class _Backend:
    factory: str  # "module:function", called with the URL and the settings
    install_hint: str | None = None


_BACKENDS: Mapping[str, _Backend] = MappingProxyType(
    {
        "file": _Backend("flowscope.datastore.local:from_url"),
        "memory": _Backend("flowscope.datastore.memory:from_url"),
        "http": _Backend("flowscope.datastore.http:from_url"),
        "https": _Backend("flowscope.datastore.http:from_url"),
    }
)

_NOT_YET: Mapping[str, str] = MappingProxyType(
    {
        "s3": "S3 storage is not available in this version of flowscope. For now, point every "
        "worker and client at one shared directory (a path or a file:// URL).",
    }
)

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://")


Factory: TypeAlias = "Callable[[str, Settings | None], BlobStorage]"


def open_storage(url: str | os.PathLike[str], settings: Settings | None = None) -> BlobStorage:
    """Open the backend a URL names: a plain path or ``file://`` URL, ``memory://``, or a
    flowscope service's ``http(s)://`` URL. ``settings`` (default: read from the environment
    by the backends that need any) carry a service's token and timeout."""
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        raise DataStoreError(f"A datastore URL must be a non-empty str or path, got {url!r:.80}")
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else "file"
    if scheme in _NOT_YET:
        raise DataStoreError(f"Cannot open datastore {url!r}: {_NOT_YET[scheme]}")
    backend = _BACKENDS.get(scheme)
    if backend is None:
        known = ", ".join(f"{name}://" for name in sorted(_BACKENDS))
        raise DataStoreError(
            f"Cannot open datastore {url!r}: unknown scheme '{scheme}://'. "
            f"Use a directory path, or one of: {known}."
        )
    return _load_factory(scheme, backend)(url, settings)


def _load_factory(scheme: str, backend: _Backend) -> Factory:
    module_name, _, attribute = backend.factory.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        hint = backend.install_hint or "reinstall flowscope"
        raise DataStoreError(
            f"The {scheme}:// datastore needs the module '{exc.name}', which is not installed; "
            f"{hint}."
        ) from exc
    factory: Factory = getattr(module, attribute)
    return factory
