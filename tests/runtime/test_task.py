"""One attempt, executed in this process exactly as a worker executes it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from flowscope import FlowSpec, catch, step
from flowscope.datastore import ContentStore, load_artifact, save_artifact
from flowscope.datastore.memory import MemoryStorage
from flowscope.flow import FlowGraph
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.executor import TIMEOUT
from flowscope.runtime.spec import Frame, Parent, TaskSpec, step_rules
from flowscope.runtime.task import (
    RunWork,
    caught_outcome_without_process,
    crash_info,
    interrupted_info,
)


class TaskFlow(FlowSpec):
    @step
    def start(self):
        self.words = ["x" * 500, "b"]
        self.next(self.body, foreach="words")

    @catch(var="oops")
    @step
    def body(self):
        self.frames = self._fs_stack
        self.seen = self.input
        if self.input == "b":
            raise ValueError("no b")
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


@pytest.fixture
def work() -> RunWork:
    graph = FlowGraph.from_class(TaskFlow)
    store = ContentStore(MemoryStorage())
    return RunWork(
        TaskFlow, store, "TaskFlow", 1, "ann", ("user:ann",), None, {}, step_rules(graph)
    )


def index(work: RunWork, records: list[ArtifactRecord]) -> dict[str, ArtifactRecord]:
    return {r.name: r for r in records}


def values(work: RunWork, records: list[ArtifactRecord]) -> dict[str, Any]:
    return {r.name: load_artifact(work.store, r.sha, r.serializer) for r in records}


def test_a_foreach_split_reports_a_short_repr_of_each_item(work: RunWork) -> None:
    outcome = work(TaskSpec(2, "start", (), ()))
    assert outcome.ok and outcome.foreach_count == 2
    long, short = outcome.foreach_values or ()
    assert len(long) < 80 and short == "'b'"
    assert values(work, outcome.artifacts)["words"][1] == "b"


def body_spec(work: RunWork, i: int, value_repr: str) -> TaskSpec:
    split = work(TaskSpec(2, "start", (), ()))
    parent = Parent(2, "start", (), index(work, split.artifacts))
    frame = Frame("start", i, 2, True, "words", value_repr)
    return TaskSpec(3 + i, "body", (frame,), (parent,), "words")


def test_an_item_task_sees_its_input_and_frames_with_variable_and_value(work: RunWork) -> None:
    outcome = work(body_spec(work, 0, "'xxx...'"))
    assert outcome.ok
    (frame,) = values(work, outcome.artifacts)["frames"]
    assert (frame.var, frame.index, frame.num_splits, frame.value_repr) == (
        "words",
        0,
        2,
        "'xxx...'",
    )


def test_an_unknown_value_repr_is_filled_from_the_item(work: RunWork) -> None:
    """The children of a split cloned by resume do not know their items' reprs."""
    outcome = work(body_spec(work, 0, ""))
    (frame,) = values(work, outcome.artifacts)["frames"]
    assert frame.value_repr.startswith("'xxxx") and len(frame.value_repr) < 80


def test_catch_on_the_last_attempt_keeps_the_failure_as_an_artifact(work: RunWork) -> None:
    outcome = work(body_spec(work, 1, "'b'"))
    assert not outcome.ok and outcome.handled
    assert outcome.exception and outcome.exception["type"] == "ValueError"
    found = values(work, outcome.artifacts)
    assert found["oops"].message == "no b" and found["seen"] == "b"


def test_a_next_call_that_disagrees_with_the_graph_fails_the_task(work: RunWork) -> None:
    rules = {**work.rules, "start": replace(work.rules["start"], targets=("join",))}
    outcome = replace(work, rules=rules)(TaskSpec(2, "start", (), ()))
    assert not outcome.ok and outcome.exception
    assert "the flow graph says it goes to join" in outcome.exception["message"]


def test_what_is_recorded_for_attempts_without_an_outcome(work: RunWork) -> None:
    spec = body_spec(work, 1, "'b'")
    info = crash_info(TIMEOUT, spec, work.rules["body"])
    assert info["type"] == "TimeoutError"
    info = crash_info("the worker process was killed by SIGKILL", spec, work.rules["body"])
    assert info["type"] == "WorkerCrashed" and "killed by SIGKILL" in info["message"]
    outcome = caught_outcome_without_process(work, spec, info)
    assert outcome.handled and "oops" in values(work, outcome.artifacts)
    assert "words" in values(work, outcome.artifacts)  # the parent's artifacts go on
    assert interrupted_info()["type"] == "KeyboardInterrupt"
    save_artifact(work.store, 1)  # the store stays usable
