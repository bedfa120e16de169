"""An in-memory blob store: the test double for every other backend."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flowscope.datastore.keys import blob_not_found, check_key
from flowscope.datastore.storage import Chunk

if TYPE_CHECKING:
    from flowscope.config import Settings


class MemoryStorage:
    """Blobs in a dict, for tests. Each instance is a separate, initially empty store."""

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryStorage(<{len(self._blobs)} blobs>)"

    def locate(self, key: str) -> str:
        return f"memory://{check_key(key)}"

    def exists(self, key: str) -> bool:
        return check_key(key) in self._blobs

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        return {key for key in keys if check_key(key) in self._blobs}

    def size(self, key: str) -> int:
        return len(self._get(key))

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        check_key(key)
        if key in self._blobs:
            return
        data = b"".join(chunks)
        with self._lock:
            self._blobs.setdefault(key, data)

    def read(self, key: str) -> bytearray:
        return bytearray(self._get(key))

    def _get(self, key: str) -> bytes:
        try:
            return self._blobs[check_key(key)]
        except KeyError:
            raise blob_not_found(key, "memory storage") from None


def from_url(url: str, settings: Settings | None = None) -> MemoryStorage:
    """A new, empty MemoryStorage (``open_storage``'s factory for ``memory://``)."""
    return MemoryStorage()
