"""The contract every BlobStorage implementation must meet (see conftest.IMPLEMENTATIONS)."""

from __future__ import annotations

import pytest

from flowscope.datastore import BlobStorage
from flowscope.errors import BlobNotFound, DataStoreError

from .conftest import key_of

BAD_KEYS: list[object] = [
    "../x",
    "ab",
    "A" * 64,
    "g" * 64,
    "a" * 63,
    "a" * 65,
    "a" * 63 + "\x00",
    "a" * 32 + "/" + "a" * 31,
    "",
    None,
    42,
    b"a" * 64,
]


def test_write_then_read_returns_the_concatenated_chunks(storage: BlobStorage) -> None:
    key = key_of(b"anything")
    storage.write(key, [b"abc", bytearray(b"def"), memoryview(b"ghi")])
    data = storage.read(key)
    assert isinstance(data, bytearray)
    assert data == b"abcdefghi"
    assert storage.size(key) == 9


def test_exists_and_exists_many(storage: BlobStorage) -> None:
    present, absent = key_of(b"1"), key_of(b"2")
    assert not storage.exists(present)
    storage.write(present, [b"x"])
    assert storage.exists(present)
    assert not storage.exists(absent)
    assert storage.exists_many([present, absent]) == {present}
    assert storage.exists_many([]) == set()


def test_an_empty_blob_is_stored(storage: BlobStorage) -> None:
    key = key_of(b"")
    storage.write(key, [])
    assert storage.exists(key)
    assert storage.read(key) == b""
    assert storage.size(key) == 0


def test_writing_an_existing_key_keeps_the_first_bytes(storage: BlobStorage) -> None:
    key = key_of(b"k")
    storage.write(key, [b"first"])
    storage.write(key, [b"second"])
    assert storage.read(key) == b"first"


def test_read_returns_a_private_copy(storage: BlobStorage) -> None:
    key = key_of(b"k")
    storage.write(key, [b"abc"])
    data = storage.read(key)
    data[0] = ord("z")
    assert storage.read(key) == b"abc"


def test_missing_blob_raises_blob_not_found_with_the_key(storage: BlobStorage) -> None:
    key = key_of(b"missing")
    for call in (storage.read, storage.size):
        with pytest.raises(BlobNotFound) as info:
            call(key)
        assert info.value.key == key  # type: ignore[attr-defined]
        assert key in str(info.value)


@pytest.mark.parametrize("bad", BAD_KEYS, ids=repr)
def test_invalid_keys_are_refused_by_every_method(storage: BlobStorage, bad: object) -> None:
    calls = [
        lambda: storage.exists(bad),  # type: ignore[arg-type]
        lambda: storage.exists_many([bad]),  # type: ignore[list-item]
        lambda: storage.write(bad, [b"x"]),  # type: ignore[arg-type]
        lambda: storage.read(bad),  # type: ignore[arg-type]
        lambda: storage.size(bad),  # type: ignore[arg-type]
        lambda: storage.locate(bad),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(DataStoreError, match="key"):
            call()


def test_locate_names_the_key(storage: BlobStorage) -> None:
    key = key_of(b"where")
    assert key in storage.locate(key)
