"""The bytes serializer: large bytes-like values round-trip as themselves, out of band."""

from __future__ import annotations

import array
import os
from pathlib import Path

import pytest

from flowscope.datastore import ContentStore, LocalStorage
from flowscope.datastore.artifacts import load_artifact, save_artifact
from flowscope.datastore.bytes_like import MIN_SIZE, SLICE, BytesSerializer
from flowscope.datastore.serializers import serializer_for
from flowscope.errors import DataStoreError


@pytest.fixture
def store(tmp_path: Path) -> ContentStore:
    return ContentStore(LocalStorage(tmp_path / "blobs"))


@pytest.mark.parametrize("size", [MIN_SIZE, 3 << 20, 2 * SLICE + 12345])
@pytest.mark.parametrize("kind", [bytes, bytearray])
def test_bytes_and_bytearray_round_trip(store: ContentStore, kind: type, size: int) -> None:
    value = kind(os.urandom(size))
    info = save_artifact(store, value)
    assert info.serializer == "bytes" and info.type_name == f"builtins.{kind.__name__}"
    loaded = load_artifact(store, info.sha, info.serializer)
    assert type(loaded) is kind and loaded == value


def test_compressible_values_round_trip(store: ContentStore) -> None:
    value = b"\x00" * (9 << 20)
    info = save_artifact(store, value)
    assert info.size < len(value) // 10  # stored compressed
    assert load_artifact(store, info.sha, "bytes") == value
    grown = bytearray(value)
    assert load_artifact(store, save_artifact(store, grown).sha, "bytes") == grown


def test_a_memoryview_comes_back_read_only_with_its_format_and_shape(
    store: ContentStore,
) -> None:
    numbers = array.array("d", range(10_000))
    view = memoryview(numbers).cast("B").cast("d", [100, 100])
    info = save_artifact(store, view)
    loaded = load_artifact(store, info.sha, info.serializer)
    assert isinstance(loaded, memoryview) and loaded.readonly
    assert (loaded.format, loaded.shape) == ("d", (100, 100))
    assert loaded.tolist() == view.tolist()


def test_small_and_other_values_are_still_pickled() -> None:
    assert serializer_for(b"x" * (MIN_SIZE - 1)).name == "pickle"
    assert serializer_for([b"x" * MIN_SIZE]).name == "pickle"
    assert serializer_for(type("B", (bytes,), {})(b"x" * MIN_SIZE)).name == "pickle"
    assert serializer_for(b"x" * MIN_SIZE).name == "bytes"


def test_a_blob_of_another_serializer_is_refused(store: ContentStore) -> None:
    key = store.put(b"not a bytes blob")
    with pytest.raises(DataStoreError, match="not written by the bytes serializer"):
        BytesSerializer().load(store.open(key))
    pickled = save_artifact(store, {"a": 1})
    with pytest.raises(DataStoreError, match="bytes serializer"):
        load_artifact(store, pickled.sha, "bytes")
