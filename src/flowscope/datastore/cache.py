"""`CachedStorage`: a bounded local cache of a remote backend's blobs, by content key.

A blob never changes once stored under its key, so a copy kept on local disk is always the
right one; `ContentStore` still checks every read against the key, so a damaged cache file is
an error that names it (delete it, or the cache directory). Reads are served from the cache
when the blob is there and fetched (then kept) otherwise; writes and lookups go to the remote
backend, so what a run records is always stored remotely.

The cache is a `LocalStorage` directory shared by every process of the user (writes are
atomic). It is bounded: when what this process added takes the directory past `max_bytes`,
the least recently used blobs (by mtime, touched on every hit) are removed until it is at
three quarters of the bound.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Sequence

from flowscope.datastore.keys import check_key
from flowscope.datastore.local import TEMP_DIR, LocalStorage
from flowscope.datastore.storage import BlobStorage, Chunk


class CachedStorage:
    """`remote`'s blobs, read through a bounded cache directory `root`."""

    def __init__(self, remote: BlobStorage, root: str | os.PathLike[str], max_bytes: int) -> None:
        self.remote = remote
        self.local = LocalStorage(root)
        self.max_bytes = max_bytes
        self._added = 0  # bytes this process put in the cache since it last measured it
        self._measured: int | None = None
        concurrency = getattr(remote, "concurrency", None)  # ConditionalStorage
        if concurrency is not None:
            self.concurrency = concurrency

    def __repr__(self) -> str:
        return f"CachedStorage({self.remote!r}, cache={self.local.root!r})"

    def __getattr__(self, name: str) -> object:
        # the remote's optional methods (write_new of a ConditionalStorage, close), so that
        # callers probing for them with getattr see exactly what the remote offers
        if name in ("write_new", "close"):
            return getattr(self.remote, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def locate(self, key: str) -> str:
        """The cache file when the blob is cached (so a damaged copy is named), else where
        the remote keeps it."""
        return self.cached(key) or self.remote.locate(key)

    def exists(self, key: str) -> bool:
        return self.remote.exists(key)

    def exists_many(self, keys: Sequence[str]) -> set[str]:
        return self.remote.exists_many(keys)

    def size(self, key: str) -> int:
        return self.remote.size(key)

    def write(self, key: str, chunks: Sequence[Chunk]) -> None:
        self.remote.write(key, chunks)

    def read(self, key: str) -> bytearray:
        cached = self._hit(key)
        if cached is not None:
            return self.local.read(key)
        return self._fetch(key)

    def read_mapped(self, key: str) -> bytearray | mmap.mmap:
        if self._hit(key) is not None:
            return self.local.read_mapped(key)
        return self._fetch(key)

    def cached(self, key: str) -> str | None:
        """The cache file holding `key`, or None."""
        path = self.local.locate(check_key(key))
        return path if os.path.isfile(path) else None

    def _hit(self, key: str) -> str | None:
        path = self.cached(key)
        if path is not None:
            try:
                os.utime(path)  # recently used: evicted last
            except OSError:  # evicted by another process just now
                return None
        return path

    def _fetch(self, key: str) -> bytearray:
        data = self.remote.read(key)
        if len(data) <= self.max_bytes // 4:  # one blob never pushes out most of the cache
            try:
                self.local.write(key, [data])
            except Exception:  # noqa: BLE001 - a full or read-only cache disk only costs speed
                return data
            self._added += len(data)
            if self._measured is None or self._measured + self._added > self.max_bytes:
                self._evict()
        return data

    def _evict(self) -> None:
        entries: list[tuple[float, int, str]] = []
        for directory, dirs, files in os.walk(self.local.root):
            dirs[:] = [d for d in dirs if d != TEMP_DIR]
            for name in files:
                path = os.path.join(directory, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        if total > self.max_bytes:
            target = self.max_bytes * 3 // 4
            for _, size, path in sorted(entries):
                if total <= target:
                    break
                try:
                    os.unlink(path)
                except OSError:
                    continue
                total -= size
        self._measured, self._added = total, 0
