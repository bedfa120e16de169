"""OverlayStorage: writes go to one store, reads look there first and then in another.

`spin` runs a step again on the inputs of a past task: it reads them from the run's datastore
and writes what the step makes somewhere else (memory, or a spin store of its own), so the
run's datastore is never written. Keys are content addresses, so a blob found in either
store is the right one.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowscope.datastore.storage import BlobStorage, Chunk
from flowscope.errors import BlobNotFound


class OverlayStorage:
    def __init__(self, upper: BlobStorage, lower: BlobStorage) -> None:
        self.upper = upper  # written, and read first
        self.lower = lower  # only read

    def __repr__(self) -> str:
        return f"OverlayStorage({self.upper!r} over {self.lower!r})"

    def locate(self, key: str) -> str:
        return self.upper.locate(key) if self.upper.exists(key) else self.lower.locate(key)

    def exists(self, key: str) -> bool:
        return self.upper.exists(key) or self.lower.exists(key)

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        found = self.upper.exists_many(keys)
        rest = [key for key in keys if key not in found]
        return found | (self.lower.exists_many(rest) if rest else set())

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        self.upper.write(key, chunks)

    def read(self, key: str) -> bytearray:
        try:
            return self.upper.read(key)
        except BlobNotFound:
            return self.lower.read(key)

    def size(self, key: str) -> int:
        try:
            return self.upper.size(key)
        except BlobNotFound:
            return self.lower.size(key)
