"""DataArtifact: value, hash, size, times; datastore errors named (client/artifact.py)."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

import numpy as np
import pytest

from flowscope.client import DataArtifact, Task
from flowscope.errors import BlobCorrupted, BlobNotFound, DataStoreError, ObjectNotFound


@pytest.fixture
def hello(client, builder):
    return builder.hello()


def test_value_hash_size_and_times(hello, builder):
    artifact = DataArtifact(hello.task("end") + "/result")
    assert artifact.data == [1, 2, 3]
    assert len(artifact.sha) == 64 and artifact.size > 0
    assert artifact.type_name == "builtins.list"
    assert artifact.created_at.tzinfo is timezone.utc
    assert artifact.finished_at == artifact.created_at
    assert artifact.sha == Task(hello.task("end")).artifacts.result.sha


def test_same_value_same_sha(hello):
    a = DataArtifact(hello.task("hello") + "/message")
    b = DataArtifact(hello.task("end") + "/message")
    assert a.sha == b.sha and a != b


def test_numpy_and_pandas_values(client, builder):
    import pandas as pd

    run = builder.new_run("DataFlow")
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    builder.task(run, "start", {"arr": np.arange(10), "df": frame})
    data = Task(run.task("start")).data
    assert np.array_equal(data.arr, np.arange(10))
    assert data.df.equals(frame)


def test_each_read_gives_a_fresh_value(hello):
    artifact = DataArtifact(hello.task("end") + "/result")
    first = artifact.data
    first.append(99)
    assert artifact.data == [1, 2, 3]


def test_attempt(client, builder):
    run = builder.new_run("RetryFlow")
    builder.task(run, "start", {"x": 1}, attempts=2)
    assert DataArtifact(run.task("start") + "/x", attempt=1).data == 1
    with pytest.raises(ObjectNotFound):
        DataArtifact(run.task("start") + "/x", attempt=0)  # the failed attempt recorded none
    assert repr(DataArtifact(run.task("start") + "/x", attempt=1)) == (
        f"DataArtifact('{run.task('start')}/x', attempt=1)"
    )


def _blob_path(backend, sha):
    return backend.blob_file(sha)


def test_a_corrupted_blob_names_artifact_and_task_and_suggests_resume(hello, client):
    artifact = DataArtifact(hello.task("end") + "/result")
    path = _blob_path(client, artifact.sha)
    data = bytearray(Path(path).read_bytes())
    data[-1] ^= 0xFF
    Path(path).write_bytes(bytes(data))
    with pytest.raises(BlobCorrupted) as err:
        _ = artifact.data
    text = str(err.value)
    assert "result" in text and hello.task("end") in text and "resume" in text.lower()
    with pytest.raises(BlobCorrupted, match=r"'result' of Task\("):
        _ = Task(hello.task("end")).data.result


def test_a_missing_blob_names_artifact_and_task(hello, client):
    import os

    artifact = DataArtifact(hello.task("end") + "/result")
    os.remove(_blob_path(client, artifact.sha))
    with pytest.raises(BlobNotFound) as err:
        _ = artifact.data
    assert "result" in str(err.value) and hello.task("end") in str(err.value)
    assert isinstance(err.value, DataStoreError)


def test_a_value_whose_class_is_gone(client, builder):
    import pickle
    import sys
    import types

    module = types.ModuleType("vanishing_module")

    class Thing:
        pass

    Thing.__module__ = "vanishing_module"
    Thing.__qualname__ = "Thing"
    module.Thing = Thing  # type: ignore[attr-defined]
    sys.modules["vanishing_module"] = module
    try:
        run = builder.new_run("GoneFlow")
        builder.task(run, "start", {"thing": Thing()})
    finally:
        del sys.modules["vanishing_module"]
    with pytest.raises(DataStoreError, match="'thing' of Task") as err:
        _ = Task(run.task("start")).data.thing
    assert "vanishing_module" in str(err.value)
    assert pickle  # the value was pickled; loading it needs the module


def test_parent_and_tags(hello):
    artifact = DataArtifact(hello.task("start") + "/x")
    assert artifact.parent == Task(hello.task("start"))
    assert artifact.tags == Task(hello.task("start")).tags
