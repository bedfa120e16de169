"""What a type checker sees of the client (read by mypy in test_typing.py, never run)."""

from __future__ import annotations

from datetime import datetime
from typing import assert_type

from flowscope import DataArtifact, Flow, Metaflow, Run, Step, Task


def navigate(flow: Flow) -> None:
    assert_type(flow["3"], Run)
    for run in flow:
        assert_type(run, Run)
    run = flow["3"]
    assert_type(run["start"], Step)
    for step in run:
        assert_type(step, Step)
    step = run["start"]
    assert_type(step["1"], Task)
    for task in step:
        assert_type(task, Task)
    task = step["1"]
    assert_type(task["x"], DataArtifact)
    for artifact in task:
        assert_type(artifact, DataArtifact)


def constructed() -> None:
    assert_type(Flow("X")["3"], Run)
    for run in Flow("X"):
        assert_type(run, Run)
    assert_type(Run("X/3")["start"], Step)
    assert_type(Step("X/3/start")["1"], Task)
    assert_type(Task("X/3/start/1")["x"], DataArtifact)
    assert_type(Metaflow().flows, list[Flow])
    assert_type(Metaflow()["X"], Flow)
    assert_type(list(Flow("X").runs("tag")), list[Run])
    assert_type(Flow("X").latest_run, Run | None)
    assert_type(Run("X/3").end_task, Task | None)
    assert_type(Step("X/3/start").task, Task | None)


def parents(artifact: DataArtifact) -> None:
    assert_type(artifact.parent, Task)
    assert_type(artifact.parent.parent, Step)
    assert_type(artifact.parent.parent.parent, Run)
    assert_type(artifact.parent.parent.parent.parent, Flow)
    assert_type(artifact.parent.parent.parent.parent.parent, None)


def shared(run: Run, task: Task, artifact: DataArtifact) -> None:
    for obj in (run, task, artifact):
        assert_type(obj.created_at, datetime)
        assert_type(obj.pathspec, str)
        assert_type(obj.tags, frozenset[str])
        assert_type(obj.origin_pathspec, str | None)
