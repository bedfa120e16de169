"""task.data and task.artifacts: lazy, one artifact at a time (client/data.py)."""

from __future__ import annotations

import pickle

import pytest

from flowscope.client import DataArtifact, Task


@pytest.fixture
def task(client, builder):
    return Task(builder.hello().task("end"))


@pytest.fixture
def loads(monkeypatch):
    """Names of artifacts loaded (by sha), counted."""
    from flowscope import datastore

    seen: list[str] = []
    original = datastore.load_artifact

    def spy(store, sha, serializer="pickle"):
        seen.append(sha)
        return original(store, sha, serializer)

    monkeypatch.setattr(datastore, "load_artifact", spy)
    return seen


def test_attributes_load_one_artifact_at_a_time(task, loads):
    data = task.data
    assert loads == []
    assert data.result == [1, 2, 3]
    assert loads == [task["result"].sha]
    assert data.x == 3
    assert len(loads) == 2


def test_dir_lists_visible_names_for_tab_completion(task):
    assert dir(task.data) == ["alpha", "message", "result", "x"]
    assert dir(task.artifacts) == ["alpha", "message", "result", "x"]


def test_in(task, loads):
    assert "x" in task.data and "nope" not in task.data and 3 not in task.data
    assert "x" in task.artifacts
    assert loads == []


def test_missing_attribute_suggests(task):
    with pytest.raises(AttributeError, match="did you mean 'result'"):
        _ = task.data.reslt
    with pytest.raises(AttributeError, match="has no artifact 'zzz'"):
        _ = task.artifacts.zzz


def test_probes_by_notebooks_are_not_artifact_lookups(task):
    assert not hasattr(task.data, "_repr_html_")
    assert not hasattr(task.data, "_ipython_canary_method_should_not_exist_")
    assert not hasattr(task.data, "__array__")


def test_getitem_for_any_name(task):
    assert task.data["message"] == "hi"
    with pytest.raises(KeyError):
        task.data["nope"]
    assert task.artifacts["message"] == DataArtifact(task.pathspec + "/message")


def test_artifacts_are_data_artifacts(task):
    artifact = task.artifacts.result
    assert isinstance(artifact, DataArtifact) and artifact.data == [1, 2, 3]
    assert {a.id for a in task.artifacts} == {"alpha", "message", "result", "x"}
    assert len(task.artifacts) == len(task.data) == 4


def test_repr(task):
    assert repr(task.data) == f"<TaskData of {task!r}: alpha, message, result, x>"


def test_data_pickles(task):
    back = pickle.loads(pickle.dumps(task.data))
    assert back.result == [1, 2, 3]


def test_data_of_a_running_task_is_empty(client, builder):
    run = builder.running()
    data = Task(run.task("slow")).data
    assert dir(data) == [] and "x" not in data
