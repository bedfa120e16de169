"""`LazyStorage`: a backend opened on its first blob access, for readers that may need none.

Opening an S3 store imports its client library and checks the bucket (0.6-1 s in a fresh
process), which `list(Flow('X'))` never needs. A client therefore opens it lazily: the address
is checked at once (a malformed one is refused before anything else), and the bucket on the
first read. The runtime does not: it opens its store eagerly, so that a missing bucket or
refused credentials stop a run before any task starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from flowscope.datastore.storage import BlobStorage, Chunk


class LazyStorage:
    """The backend `open_backend()` returns, opened (once) when first used."""

    def __init__(self, url: str, open_backend: Callable[[], BlobStorage]) -> None:
        self.url = url
        self._open_backend = open_backend
        self._backend: BlobStorage | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        state = "unopened" if self._backend is None else repr(self._backend)
        return f"LazyStorage({self.url!r}, {state})"

    @property
    def opened(self) -> bool:
        return self._backend is not None

    def backend(self) -> BlobStorage:
        """The backend, opened now if it was not (its errors are raised here)."""
        backend = self._backend
        if backend is None:
            with self._lock:
                backend = self._backend
                if backend is None:
                    backend = self._backend = self._open_backend()
        return backend

    def __getattr__(self, name: str) -> object:
        # a backend's optional methods and fields (write_new, read_mapped, read_many,
        # prefetch, concurrency): asking for one opens it, since using one needs it
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.backend(), name)

    def close(self) -> None:
        if self._backend is not None:
            close = getattr(self._backend, "close", None)
            if close is not None:
                close()

    def locate(self, key: str) -> str:
        return self.backend().locate(key)

    def exists(self, key: str) -> bool:
        return self.backend().exists(key)

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        return self.backend().exists_many(keys)

    def size(self, key: str) -> int:
        return self.backend().size(key)

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        self.backend().write(key, chunks)

    def read(self, key: str) -> bytearray:
        return self.backend().read(key)
