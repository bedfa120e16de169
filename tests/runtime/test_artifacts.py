"""A parent's artifacts load on demand, once; outputs are stored or passed on by hash."""

from __future__ import annotations

import os
import threading
import time

import pytest

from flowscope.datastore import ContentStore, load_artifact, save_artifact
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


class SlowParallelStorage(MemoryStorage):
    """A remote-like storage that moves several blobs at once (like S3): each write waits, so
    only parallel saves finish in time; records which threads wrote."""

    concurrency = 8

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()
        self.in_flight = self.most_in_flight = 0
        self._count = threading.Lock()

    def write_new(self, key: str, chunks: list[bytes]) -> bool:
        with self._count:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.threads.add(threading.get_ident())
        time.sleep(0.05)
        present = self.exists(key)
        self.write(key, chunks)
        with self._count:
            self.in_flight -= 1
        return not present


def test_a_tasks_outputs_are_saved_in_parallel_on_a_parallel_storage() -> None:
    storage = SlowParallelStorage()
    store = ContentStore(storage)
    shared = list(range(100))
    values = {f"v{i}": f"value {i}" * (i + 1) for i in range(16)} | {"a": shared, "b": shared}
    records = save_outputs(store, values, {}, {}, "train")
    assert storage.most_in_flight > 1 and len(storage.threads) > 1
    sequential = save_outputs(ContentStore(MemoryStorage()), values, {}, {}, "train")
    strip = [(r.name, r.sha, r.size, r.type_name, r.serializer, r.scalar) for r in records]
    assert strip == [
        (r.name, r.sha, r.size, r.type_name, r.serializer, r.scalar) for r in sequential
    ]
    assert len(storage._blobs) == 17  # the value bound to two names is stored once
    by_name = {r.name: r for r in records}
    for name, value in values.items():
        assert load_artifact(store, by_name[name].sha, by_name[name].serializer) == value


def test_a_value_that_cannot_be_saved_in_parallel_is_named_with_its_step() -> None:
    class Unpicklable:
        def __reduce__(self) -> str:
            raise MemoryError("too big")

    store = ContentStore(SlowParallelStorage())
    with pytest.raises(DataStoreError, match="Cannot store artifact 'bad' set in step 'train'"):
        save_outputs(store, {"ok": 1, "bad": Unpicklable(), "ok2": 2}, {}, {}, "train")


def test_small_outputs_are_recorded_inline_and_inputs_load_from_the_record() -> None:
    store = ContentStore(MemoryStorage(), inline_max=2048)
    records = save_outputs(store, {"small": [1, 2], "large": os.urandom(4096)}, {}, {}, "s")
    by_name = {r.name: r for r in records}
    assert by_name["small"].inline is not None and by_name["large"].inline is None
    known = {r.sha: r for r in records}
    passed = save_outputs(store, {}, {"small": by_name["small"].sha}, known, "t")
    assert passed[0].inline == by_name["small"].inline  # a pass-through keeps its copy
    empty = ContentStore(MemoryStorage())  # a datastore without the blob: the record suffices
    assert ParentArtifacts("F/1/s/1", by_name, empty).load("small") == [1, 2]
    with pytest.raises(DataStoreError, match="'large' of task F/1/s/1"):
        ParentArtifacts("F/1/s/1", by_name, empty).load("large")
