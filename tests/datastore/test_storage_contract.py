"""The contract every BlobStorage implementation must meet (see conftest.IMPLEMENTATIONS)."""

from __future__ import annotations

import pytest

from flowscope.datastore import BlobStorage
from flowscope.errors import BlobNotFound, DataStoreError

from .conftest import key_of, stored_blob

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
    key, blob = stored_blob(b"anything" * 100)
    third = len(blob) // 3
    storage.write(
        key, [blob[:third], bytearray(blob[third : 2 * third]), memoryview(blob)[2 * third :]]
    )
    data = storage.read(key)
    assert isinstance(data, bytearray)
    assert data == blob
    assert storage.size(key) == len(blob)


def test_exists_and_exists_many(storage: BlobStorage) -> None:
    present, blob = stored_blob(b"1")
    absent = key_of(b"2")
    assert not storage.exists(present)
    storage.write(present, [blob])
    assert storage.exists(present)
    assert not storage.exists(absent)
    assert storage.exists_many([present, absent]) == {present}
    assert storage.exists_many([]) == set()


def test_the_empty_value_is_stored(storage: BlobStorage) -> None:
    key, blob = stored_blob(b"")
    storage.write(key, [blob])
    assert storage.exists(key)
    assert storage.read(key) == blob
    assert storage.size(key) == len(blob)


def test_writing_an_existing_key_keeps_the_first_bytes(storage: BlobStorage) -> None:
    key, first = stored_blob(b"abc" * 300, b"def" * 300)
    same_key, second = stored_blob(b"abc" * 300 + b"def" * 300)  # another valid form
    assert same_key == key and first != second
    storage.write(key, [first])
    storage.write(key, [second])
    assert storage.read(key) == first


def test_read_returns_a_private_copy(storage: BlobStorage) -> None:
    key, blob = stored_blob(b"k")
    storage.write(key, [blob])
    data = storage.read(key)
    data[0] = ord("z")
    assert storage.read(key) == blob


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
