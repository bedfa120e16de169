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


class BatchMemory(CountingMemory):
    batch_is_one_request = True

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def read_many(self, keys: list[str]) -> dict[str, bytearray]:
        self.batches.append(list(keys))
        return {k: bytearray(self._blobs[k]) for k in keys if k in self._blobs}


def test_prefetch_fetches_what_is_not_cached_in_one_batch(tmp_path: Path) -> None:
    remote = BatchMemory()
    cache = CachedStorage(remote, tmp_path / "cache", max_bytes=1 << 20)
    blobs = [stored_blob(f"v{i}".encode() * 40) for i in range(5)]
    for key, blob in blobs:
        remote.write(key, [blob])
    keys = [key for key, _ in blobs]
    assert cache.read(keys[0]) == blobs[0][1]  # cached already: not asked again
    assert cache.prefetch([*keys, keys[1], "0" * 64]) == 4
    assert remote.batches == [[*keys[1:], "0" * 64]]
    for key, blob in blobs:
        remote.forget(key)
        assert cache.read(key) == blob  # from disk: the remote has forgotten it
    assert remote.reads == 1
    assert cache.prefetch(keys) == 0 and len(remote.batches) == 1
    assert CachedStorage(CountingMemory(), tmp_path / "c2", 1 << 20).prefetch(keys) == 0


def test_prefetched_small_blobs_are_held_in_memory_within_a_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowscope.datastore import cache as cache_module

    monkeypatch.setattr(cache_module, "HOLD_BYTES", 2000)
    remote = BatchMemory()
    cache = CachedStorage(remote, tmp_path / "cache", max_bytes=1 << 30)
    small = [stored_blob(os.urandom(600)) for _ in range(5)]  # 3 fit the 2000-byte bound
    large = stored_blob(os.urandom(cache_module.SMALL + 10))
    for key, blob in [*small, large]:
        remote.write(key, [blob])
    assert cache.prefetch([k for k, _ in small] + [large[0]]) == 6
    assert cache.cached(large[0]) is not None  # a large one is a file, like any other read
    assert all(cache.cached(k) is None for k, _ in small)  # small ones: no file each
    held = [k for k, _ in small if k in cache._held]
    assert held == [k for k, _ in small][-3:]  # the oldest were dropped
    assert cache._held_bytes <= 2000
    for key, blob in small:
        data = cache.read(key)
        data[:1] = b"!"  # a reader may change what it is given: the held copy stays intact
        assert cache.read(key) == blob
    assert remote.reads == 2  # the two dropped ones were fetched again (then kept as files)


def test_a_remote_reading_a_request_per_blob_has_its_prefetched_blobs_kept_as_files(
    tmp_path: Path,
) -> None:
    remote = BatchMemory()
    remote.batch_is_one_request = False  # like S3: parallel GETs, each worth a file
    cache = CachedStorage(remote, tmp_path / "cache", max_bytes=1 << 20)
    key, blob = stored_blob(b"small" * 10)
    remote.write(key, [blob])
    assert cache.prefetch([key]) == 1
    assert cache.cached(key) is not None and key not in cache._held
