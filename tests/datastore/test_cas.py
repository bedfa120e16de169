"""ContentStore: keys, dedupe, compression, verified reads, zero-copy views."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from flowscope.datastore import BlobStorage, ContentStore, LocalStorage, MemoryStorage
from flowscope.datastore.encoding import BLOCK_SIZE
from flowscope.errors import BlobCorrupted, BlobNotFound, DataStoreError

from .conftest import blob_files, key_of


def test_the_key_is_the_blake3_digest_of_the_logical_bytes(store: ContentStore) -> None:
    data = b"hello world" * 1000
    assert store.put(data) == key_of(data)


def test_put_chunks_keys_the_concatenation(store: ContentStore) -> None:
    chunks = [b"ab", bytearray(b"cd"), memoryview(b"ef"), b""]
    assert store.put_chunks(chunks) == key_of(b"abcdef")
    assert store.get(key_of(b"abcdef")) == b"abcdef"


@pytest.mark.parametrize(
    "data",
    [b"", b"x", b"tiny blob", os.urandom(5000), b"compress me " * 100_000, os.urandom(3 << 20)],
    ids=["empty", "one-byte", "tiny", "random-small", "compressible", "random-large"],
)
def test_get_returns_what_was_put(store: ContentStore, data: bytes) -> None:
    key = store.put(data)
    out = store.get(key)
    assert isinstance(out, bytearray) and out == data
    view = store.open(key)
    assert view.size == len(data) and view.tobytes() == data


def test_storing_a_value_twice_takes_the_space_of_one(tmp_path: Path) -> None:
    store = ContentStore(LocalStorage(tmp_path))
    first = store.put_info([b"same" * 1000])
    second = store.put_info([b"same", b"same" * 999])
    assert first.key == second.key
    assert first.written and not second.written
    assert first.stored_size == second.stored_size == store.stored_size(first.key)
    assert len(blob_files(tmp_path)) == 1


def test_compressible_data_is_stored_compressed(store: ContentStore) -> None:
    data = b"a fairly repetitive line of text\n" * 200_000
    result = store.put_info([data])
    assert result.logical_size == len(data)
    assert result.stored_size < len(data) / 20
    assert store.stored_size(result.key) == result.stored_size


def test_random_data_is_stored_raw(store: ContentStore) -> None:
    data = os.urandom(2 * BLOCK_SIZE + 100)
    result = store.put_info([data])
    assert len(data) < result.stored_size <= len(data) + 128


def test_non_contiguous_and_typed_buffers_are_taken_as_their_bytes(store: ContentStore) -> None:
    import array

    numbers = array.array("d", range(1000))
    assert store.get(store.put(memoryview(numbers))) == numbers.tobytes()
    strided = memoryview(bytes(range(200)))[::2]
    assert store.get(store.put(strided)) == bytes(range(0, 200, 2))


def test_non_bytes_data_is_refused(store: ContentStore) -> None:
    with pytest.raises(DataStoreError, match="bytes-like.*got str"):
        store.put("text")  # type: ignore[arg-type]


def test_a_missing_blob_raises_blob_not_found(store: ContentStore) -> None:
    key = key_of(b"never stored")
    for call in (store.get, store.open, store.stored_size):
        with pytest.raises(BlobNotFound) as info:
            call(key)
        assert info.value.key == key  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", ["../etc/passwd", "a" * 10, "F" * 64, 12])
def test_invalid_keys_are_refused(store: ContentStore, bad: object) -> None:
    for call in (store.get, store.open, store.exists, store.stored_size):
        with pytest.raises(DataStoreError):
            call(bad)  # type: ignore[operator]


@pytest.mark.parametrize("size", [10, 100_000, 3 << 20], ids=["small", "compressible", "large"])
def test_bytes_stored_under_the_wrong_key_are_caught(
    in_process_storage: BlobStorage, size: int
) -> None:
    storage = in_process_storage
    store = ContentStore(storage)
    impostor = ContentStore(MemoryStorage())
    other = impostor.put(b"o" * size)  # a well-formed blob ...
    key = key_of(b"what the caller expects")
    storage.write(key, [impostor.storage.read(other)])  # ... under someone else's key
    for call in (store.get, store.open):
        with pytest.raises(BlobCorrupted, match=key) as info:
            call(key)
        assert info.value.key == key  # type: ignore[attr-defined]
        assert f"hashes to {other}" in str(info.value)


def test_garbage_under_a_key_is_reported_as_corrupted(store: ContentStore) -> None:
    key = key_of(b"x")
    store.storage.write(key, [b"\x00garbage that is not a blob"])
    with pytest.raises(BlobCorrupted, match="not a flowscope blob header"):
        store.get(key)


def test_open_slices_are_views_of_the_chunks_as_written(store: ContentStore) -> None:
    big = os.urandom(100_000)
    key = store.put_chunks([b"head", big, b"packed " * 10_000])
    view = store.open(key)
    inside = view.slice(4, 4 + len(big))
    assert inside.obj is view.slice(5, 6).obj  # both views of one buffer, no copy
    assert bytes(inside) == big
    across = view.slice(2, 8)
    assert bytes(across) == b"ad" + big[:4]
    assert view.slice(3, 3).nbytes == 0
    with pytest.raises(DataStoreError, match="outside blob"):
        view.slice(0, view.size + 1)


def test_get_trims_the_read_buffer_instead_of_copying(tmp_path: Path) -> None:
    store = ContentStore(LocalStorage(tmp_path, memory_map=False))
    data = os.urandom(1 << 20)
    out = store.get(store.put(data))
    out.extend(b"still resizable")  # no views left on it
    assert out[: len(data)] == data


def test_a_large_blob_is_verified_and_served_from_a_memory_map(tmp_path: Path) -> None:
    store = ContentStore(LocalStorage(tmp_path))
    data = os.urandom(20 << 20)
    view = store.open(store.put_chunks([b"h", data]))
    chunk = view.slice(1, 1 + len(data))
    assert type(chunk.obj).__name__ == "mmap"
    assert not chunk.readonly
    assert bytes(chunk) == data


@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(
        st.one_of(
            st.binary(max_size=3000),
            st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=8), st.integers(0, 5000)),
        ),
        max_size=6,
    )
)
def test_any_bytes_round_trip(chunks: list[bytes]) -> None:
    store = ContentStore(MemoryStorage())
    whole = b"".join(chunks)
    key = store.put_chunks(chunks)
    assert key == key_of(whole)
    assert store.get(key) == whole
    assert store.open(key).tobytes() == whole
    assert store.put(whole) == key


def test_a_small_blob_is_handed_back_in_its_stored_form_and_read_from_it() -> None:
    storage = MemoryStorage()
    store = ContentStore(storage, inline_max=2048)
    small = store.put_info([b"small value " * 10])
    assert small.inline is not None and len(small.inline) == small.stored_size <= 2048
    assert bytes(storage.read(small.key)) == small.inline  # the datastore keeps its copy
    view = ContentStore.open_inline(small.key, small.inline, "a record")
    assert view.tobytes() == b"small value " * 10
    again = store.put_info([b"small value " * 10])  # already stored: still handed back
    assert not again.written and again.inline == small.inline
    compressible = store.put_info([b"z" * 100_000])  # compresses under the bound
    assert compressible.inline is not None and len(compressible.inline) <= 2048
    large = store.put_info([os.urandom(4096)])
    assert large.inline is None
    assert ContentStore(MemoryStorage()).put_info([b"x"]).inline is None  # default: never


def test_an_inline_copy_is_checked_against_its_key_like_a_read() -> None:
    store = ContentStore(MemoryStorage(), inline_max=2048)
    put = store.put_info([b"precious" * 20])
    assert put.inline is not None
    damaged = bytearray(put.inline)
    damaged[-1] ^= 0xFF
    with pytest.raises(BlobCorrupted, match=f"{put.key}.*the record of x"):
        ContentStore.open_inline(put.key, bytes(damaged), "the record of x")
    other = store.put_info([b"another value"])
    assert other.inline is not None
    with pytest.raises(BlobCorrupted, match=put.key):  # a valid blob under the wrong key
        ContentStore.open_inline(put.key, other.inline, "the record of x")
    with pytest.raises(DataStoreError):
        ContentStore.open_inline(put.key, b"garbage", "the record of x")


def test_content_key_is_the_key_a_put_returns() -> None:
    from flowscope.datastore.cas import content_key

    store = ContentStore(MemoryStorage())
    for data in (b"", b"x", bytes(range(256)) * 50):
        assert content_key(data) == store.put(data)


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_a_claim_stores_once_under_the_key_a_put_gives(tmp_path: Path, kind: str) -> None:
    from flowscope.datastore.cas import content_key

    storage: BlobStorage = LocalStorage(tmp_path) if kind == "local" else MemoryStorage()
    store = ContentStore(storage)
    data = b"flowscope attempt started: topic bundle 0 3 0"
    assert store.claim(data) is True
    assert store.claim(data) is False
    assert store.exists(content_key(data)) and store.get(content_key(data)) == data
    assert store.put_info([data]).written is False  # a put meets what the claim stored
