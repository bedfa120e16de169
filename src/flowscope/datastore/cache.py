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

`prefetch` fetches many blobs in one batch (a step's small artifacts, when the client walks a
step). When the remote sends a batch in one request (the service's blob proxy), those smaller
than `SMALL` are held in memory instead, a bounded tier of this process: a file per 100-byte
value would cost more than the batch that brought it. Larger ones, and every blob of a remote
that needs a request per blob (S3), go to the directory like any other read.
"""

from __future__ import annotations

import mmap
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

from flowscope.datastore.keys import check_key
from flowscope.datastore.local import TEMP_DIR, LocalStorage
from flowscope.datastore.storage import BlobStorage, Chunk

SMALL = 64 * 1024
"""A prefetched blob smaller than this is kept in memory, not as a file: fetching it again in
a batch costs less than a file of its own (a file's creation takes longer than its bytes)."""
HOLD_BYTES = 32 * 1024 * 1024
"""Bytes of prefetched small blobs a cache keeps in memory (the oldest are dropped first)."""


class CachedStorage:
    """`remote`'s blobs, read through a bounded cache directory `root`."""

    def __init__(self, remote: BlobStorage, root: str | os.PathLike[str], max_bytes: int) -> None:
        self.remote = remote
        self.local = LocalStorage(root)
        self.max_bytes = max_bytes
        self._added = 0  # bytes this process put in the cache since it last measured it
        self._measured: int | None = None
        self._held: OrderedDict[str, bytes] = OrderedDict()  # prefetched, small: in memory
        self._held_bytes = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"CachedStorage({self.remote!r}, cache={self.local.root!r})"

    def __getattr__(self, name: str) -> object:
        # the remote's optional methods and fields (write_new and concurrency of a
        # ConditionalStorage, write_once, close), so that callers probing for them with getattr see
        # exactly what the remote offers (asked only when needed: a lazy remote opens then)
        if name in ("write_new", "write_once", "concurrency", "close", "serves"):
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
        held = self._held.get(key)
        if held is not None:
            return bytearray(held)  # a copy: readers may trim what they are given
        cached = self._hit(key)
        if cached is not None:
            return self.local.read(key)
        return self._fetch(key)

    def read_mapped(self, key: str) -> bytearray | mmap.mmap:
        held = self._held.get(key)
        if held is not None:
            return bytearray(held)
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

    def prefetch(self, keys: Sequence[str]) -> int:
        """Fetch the blobs of `keys` not cached yet in one batch (the remote's `read_many`:
        one request through the service, parallel GETs on S3) and keep them: small ones of a
        one-request batch in memory (`SMALL`, up to `HOLD_BYTES` in all), the others in the
        cache directory. How
        many were fetched; keys not stored remotely are skipped (a read of one says so)."""
        unique = dict.fromkeys(keys)
        missing = [k for k in unique if k not in self._held and self.cached(k) is None]
        read_many = getattr(self.remote, "read_many", None) if missing else None
        if read_many is None:
            return 0
        fetched: dict[str, bytearray] = read_many(missing)
        hold = bool(getattr(self.remote, "batch_is_one_request", False))
        for key, data in fetched.items():
            if hold and len(data) < SMALL:
                self._hold(key, data)
            else:
                self._keep(key, data)
        return len(fetched)

    def _hold(self, key: str, data: bytearray) -> None:
        with self._lock:
            self._held[key] = bytes(data)
            self._held_bytes += len(data)
            while self._held_bytes > HOLD_BYTES:
                _, dropped = self._held.popitem(last=False)
                self._held_bytes -= len(dropped)

    def _fetch(self, key: str) -> bytearray:
        return self._keep(key, self.remote.read(key))

    def _keep(self, key: str, data: bytearray) -> bytearray:
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
