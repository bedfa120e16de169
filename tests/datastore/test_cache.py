"""The bounded local cache in front of a remote backend (MemoryStorage stands in for it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import ContentStore, MemoryStorage
from flowscope.datastore.cache import CachedStorage
from flowscope.errors import BlobCorrupted, BlobNotFound

from .conftest import key_of, stored_blob


class CountingMemory(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.concurrency = 4

    def read(self, key: str) -> bytearray:
        self.reads += 1
        return super().read(key)

    def write_new(self, key: str, chunks: list[bytes]) -> bool:
        present = self.exists(key)
        self.write(key, chunks)
        return not present

    def forget(self, key: str) -> None:
        del self._blobs[key]


def test_a_blob_is_fetched_once_then_read_from_disk(tmp_path: Path) -> None:
    remote = CountingMemory()
    cache = CachedStorage(remote, tmp_path / "cache", max_bytes=1 << 20)
    key, blob = stored_blob(b"value" * 50)
    cache.write(key, [blob])
    assert cache.cached(key) is None  # writes go to the remote only
    assert cache.read(key) == blob and remote.reads == 1
    assert cache.cached(key) is not None
    remote.forget(key)
    assert cache.read(key) == blob and remote.reads == 1
    assert bytes(cache.read_mapped(key)) == blob
    assert cache.locate(key) == cache.cached(key)


def test_what_the_remote_lacks_is_still_not_found(tmp_path: Path) -> None:
    cache = CachedStorage(CountingMemory(), tmp_path / "cache", max_bytes=1 << 20)
    with pytest.raises(BlobNotFound):
        cache.read(key_of(b"nothing"))
    assert cache.locate(key_of(b"nothing")).startswith("memory://")


def test_the_remote_conditional_write_and_concurrency_show_through(tmp_path: Path) -> None:
    remote = CountingMemory()
    cache = CachedStorage(remote, tmp_path / "cache", max_bytes=1 << 20)
    assert cache.concurrency == 4
    result = ContentStore(cache).put_info([b"x"])
    assert result.written and not ContentStore(cache).put_info([b"x"]).written
    plain = CachedStorage(MemoryStorage(), tmp_path / "other", max_bytes=1 << 20)
    assert getattr(plain, "write_new", None) is None and not hasattr(plain, "concurrency")


def test_the_cache_stays_within_its_bound_dropping_the_least_recent(tmp_path: Path) -> None:
    remote = CountingMemory()
    cache = CachedStorage(remote, tmp_path / "cache", max_bytes=40_000)
    keys = []
    for i in range(12):
        key, blob = stored_blob(os.urandom(5_000) + bytes([i]))
        remote.write(key, [blob])
        keys.append(key)
    cache.read(keys[0])
    for key in keys[1:]:
        os.utime(cache.cached(keys[0]) or "")  # keys[0] stays the most recently used
        cache.read(key)
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 40_000
    assert cache.cached(keys[0]) is not None and cache.cached(keys[1]) is None


def test_a_blob_larger_than_a_quarter_of_the_bound_is_not_kept(tmp_path: Path) -> None:
    remote = CountingMemory()
    cache = CachedStorage(remote, tmp_path / "cache", max_bytes=4_000)
    key, blob = stored_blob(os.urandom(2_000))
    remote.write(key, [blob])
    assert cache.read(key) == blob and cache.cached(key) is None


def test_a_damaged_cache_file_is_named(tmp_path: Path) -> None:
    remote = CountingMemory()
    store = ContentStore(CachedStorage(remote, tmp_path / "cache", max_bytes=1 << 20))
    key = store.put(b"precious" * 20)
    store.get(key)
    path = Path(store.storage.locate(key))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    os.chmod(path, 0o644)
    path.write_bytes(bytes(data))
    with pytest.raises(BlobCorrupted, match=str(path)):
        store.get(key)


def test_settings_name_the_cache_and_its_bound(tmp_path: Path) -> None:
    default = Settings.from_env({})
    assert default.blob_cache_dir() == Path.home() / ".cache" / "flowscope" / "blobs"
    assert default.blob_cache_bytes == 2048 * 1024 * 1024
    xdg = Settings.from_env({"XDG_CACHE_HOME": str(tmp_path)})
    assert xdg.blob_cache_dir() == tmp_path / "flowscope" / "blobs"
    chosen = Settings.from_env(
        {"FLOWSCOPE_BLOB_CACHE": str(tmp_path / "c"), "FLOWSCOPE_BLOB_CACHE_MB": "0"}
    )
    assert chosen.blob_cache_dir() == tmp_path / "c" and chosen.blob_cache_bytes == 0
