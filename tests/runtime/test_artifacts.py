"""A parent's artifacts load on demand, once; outputs are stored or passed on by hash."""

from __future__ import annotations

import pytest

from flowscope.datastore import ContentStore, save_artifact
from flowscope.datastore.memory import MemoryStorage
from flowscope.errors import DataStoreError
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.artifacts import ParentArtifacts, save_outputs


def record(store: ContentStore, name: str, value: object) -> ArtifactRecord:
    info = save_artifact(store, value)
    return ArtifactRecord(name, info.sha, info.size, info.type_name, info.serializer, 1.0)


def test_values_load_once_on_demand_and_names_and_hashes_cost_nothing() -> None:
    store = ContentStore(MemoryStorage())
    index = {"a": record(store, "a", [1, 2])}
    source = ParentArtifacts("F/1/start/1", index, store)
    assert list(source.names()) == ["a"] and source.sha("a") == index["a"].sha
    first = source.load("a")
    assert first == [1, 2] and source.load("a") is first


def test_a_missing_blob_names_the_artifact_and_the_task() -> None:
    store = ContentStore(MemoryStorage())
    index = {"a": ArtifactRecord("a", "ab" * 32, 1, "int", "pickle", 1.0)}
    with pytest.raises(DataStoreError, match="Cannot load artifact 'a' of task F/1/start/1"):
        ParentArtifacts("F/1/start/1", index, store).load("a")


def test_outputs_are_stored_or_passed_on_and_an_unknown_hash_is_refused() -> None:
    store = ContentStore(MemoryStorage())
    old = record(store, "kept", "value")
    records = save_outputs(store, {"new": 5}, {"kept": old.sha}, {old.sha: old}, "step")
    assert [r.name for r in records] == ["kept", "new"]
    assert records[0] == old
    with pytest.raises(DataStoreError, match="'lost' passed on from an input has unknown hash"):
        save_outputs(store, {}, {"lost": "cd" * 32}, {}, "step")
