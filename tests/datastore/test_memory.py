"""The in-memory blob store (datastore/memory.py): the test double every backend is held to
(the shared contract is test_storage_contract.py); here, what is its own."""

from __future__ import annotations

import threading

import pytest

from flowscope.datastore import ContentStore, open_storage
from flowscope.datastore.memory import MemoryStorage, from_url
from flowscope.errors import BlobNotFound

KEY = "ab" * 32


def test_instances_are_separate_and_start_empty() -> None:
    one, two = MemoryStorage(), MemoryStorage()
    one.write(KEY, [b"x"])
    assert one.exists(KEY) and not two.exists(KEY)
    assert from_url("memory://") is not from_url("memory://")
    assert not from_url("memory://anything").exists(KEY)


def test_repr_counts_blobs_and_locate_is_a_memory_url() -> None:
    storage = MemoryStorage()
    assert repr(storage) == "MemoryStorage(<0 blobs>)"
    storage.write(KEY, [b"a", bytearray(b"b"), memoryview(b"c")])
    assert repr(storage) == "MemoryStorage(<1 blobs>)"
    assert storage.locate(KEY) == f"memory://{KEY}"
    assert storage.read(KEY) == bytearray(b"abc") and storage.size(KEY) == 3


def test_a_missing_blob_names_the_memory_store() -> None:
    with pytest.raises(BlobNotFound, match="memory storage") as info:
        MemoryStorage().read(KEY)
    assert getattr(info.value, "key", None) == KEY


def test_concurrent_writers_of_one_key_keep_one_value() -> None:
    storage = MemoryStorage()
    threads = [threading.Thread(target=storage.write, args=(KEY, [bytes([i])])) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert storage.size(KEY) == 1 and storage.exists_many([KEY, "cd" * 32]) == {KEY}


def test_it_backs_a_content_store_by_url() -> None:
    storage = open_storage("memory://")
    assert isinstance(storage, MemoryStorage)
    store = ContentStore(storage)
    key = store.put(b"hello" * 100)
    assert store.get(key) == b"hello" * 100
