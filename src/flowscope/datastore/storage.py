"""The storage protocol every blob backend implements, and the registry that opens one by URL.

A backend stores opaque bytes under a key; it neither hashes nor compresses (that is
``ContentStore``'s job), so an S3 or HTTP-proxy backend is a handful of small methods.

Backends are named by URL scheme and imported only when chosen::

    open_storage("/data/flowscope")        -> LocalStorage
    open_storage("file:///data/flowscope") -> LocalStorage
    open_storage("memory://")              -> MemoryStorage (a new, empty one each call)
    open_storage("http://svc:8080")        -> HttpBlobStorage (the service's blob proxy)
    open_storage("s3://bucket/prefix")     -> S3Storage (needs the flowscope[s3] extra)

A remote backend's reads go through the bounded local blob cache (`cache.CachedStorage`).
With ``lazy=True`` (the client's choice) a backend that is slow to open (S3: its library and
a bucket check) is opened on its first blob access that the cache cannot answer instead
(`lazy.LazyStorage`, under the cache); its address is still checked at once.

Each factory is called with the URL and the `Settings` in force (a backend reads its token,
timeouts or limits there); `open_storage` reads them from the environment when none are given.
"""

from __future__ import annotations

import importlib
import mmap
import os
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

from flowscope.errors import DataStoreError
from flowscope.frozen import Frozen, init
from flowscope.remote.urls import redact

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


@runtime_checkable
class ConditionalStorage(BlobStorage, Protocol):
    """A remote backend where asking first costs a round trip: it stores a blob only if its
    key is absent, in one request, and moves several blobs at once."""

    concurrency: int
    """How many blobs (or parts of one) it transfers at once."""

    def write_new(self, key: str, chunks: Sequence[Chunk]) -> bool:
        """Like ``write``; whether this call stored the blob (False: it was already stored)."""
        ...


@runtime_checkable
class BatchStorage(BlobStorage, Protocol):
    """A remote backend that reads several blobs in one go (one request, or parallel ones)."""

    def read_many(self, keys: Sequence[str]) -> dict[str, bytearray]:
        """The stored blobs among ``keys``; keys with no blob are absent from the answer."""
        ...


class _Backend(Frozen):
    __slots__ = ("factory", "install_hint", "check")
    factory: str  # "module:function", called with the URL and the settings
    install_hint: str | None
    check: str | None  # "module:function" checking the URL only, for a lazy open

    def __init__(
        self,
        factory: str,
        install_hint: str | None = None,
        check: str | None = None,
    ) -> None:
        init(self, "factory", factory)
        init(self, "install_hint", install_hint)
        init(self, "check", check)


_BACKENDS: Mapping[str, _Backend] = MappingProxyType(
    {
        "file": _Backend("flowscope.datastore.local:from_url"),
        "memory": _Backend("flowscope.datastore.memory:from_url"),
        "http": _Backend("flowscope.datastore.http:from_url"),
        "https": _Backend("flowscope.datastore.http:from_url"),
        "s3": _Backend(
            "flowscope.datastore.s3:from_url",
            "install it with: pip install 'flowscope[s3]'",
            check="flowscope.datastore.s3_address:parse_url",
        ),
    }
)

_CACHED = frozenset({"s3", "http", "https"})
"""Remote backends whose reads go through the local blob cache (`CachedStorage`)."""

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://")


Factory: TypeAlias = "Callable[[str, Settings | None], BlobStorage]"


def open_storage(
    url: str | os.PathLike[str], settings: Settings | None = None, *, lazy: bool = False
) -> BlobStorage:
    """Open the backend a URL names: a plain path or ``file://`` URL, ``memory://``,
    ``s3://bucket/prefix``, or a flowscope service's ``http(s)://`` URL. ``settings`` (default:
    read from the environment by the backends that need any) carry a service's token and
    timeout. ``lazy``: open a backend that is slow to open when it is first used."""
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        raise DataStoreError(f"A datastore URL must be a non-empty str or path, got {url!r:.80}")
    # `url` may carry credentials (user:secret@): no message below repeats them
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else "file"
    backend = _BACKENDS.get(scheme)
    if backend is None:
        known = ", ".join(f"{name}://" for name in sorted(_BACKENDS))
        raise DataStoreError(
            f"Cannot open datastore {redact(url)!r}: unknown scheme '{scheme}://'. "
            f"Use a directory path, or one of: {known}."
        )
    if lazy and backend.check is not None:
        from flowscope.datastore.lazy import LazyStorage

        _load(scheme, backend, backend.check)(url)  # a malformed address is refused now
        # under the cache: a blob already cached is read without opening the backend at all
        storage: BlobStorage = LazyStorage(
            url, lambda: _load(scheme, backend, backend.factory)(url, settings)
        )
    else:
        factory: Factory = _load(scheme, backend, backend.factory)
        storage = factory(url, settings)
    if scheme in _CACHED:
        from flowscope.config import Settings
        from flowscope.datastore.cache import CachedStorage

        settings = Settings.from_env() if settings is None else settings
        if settings.blob_cache_bytes > 0:
            storage = CachedStorage(storage, settings.blob_cache_dir(), settings.blob_cache_bytes)
    return storage


def _load(scheme: str, backend: _Backend, target: str) -> Callable[..., BlobStorage]:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        hint = backend.install_hint or "reinstall flowscope"
        raise DataStoreError(
            f"The {scheme}:// datastore needs the module '{exc.name}', which is not installed; "
            f"{hint}."
        ) from exc
    function: Callable[..., BlobStorage] = getattr(module, attribute)
    return function
