"""@parallel and num_parallel=: the graph, the check's rules (flow/lint_parallel.py), and
self.next(..., num_parallel=N) in a running step (flow/gang.py)."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import FlowGraph, FlowSpec, check, format_graph, graph_to_dict, parallel, step
from flowscope.flow.gang import PARALLEL_VAR, check_num_parallel
from flowscope.flow.lint import problems

from .test_lint import assert_problem, lint_error


class GangFlow(FlowSpec):
    @step
    def start(self):
        self.nodes = 3
        self.next(self.train, num_parallel=self.nodes)

    @parallel
    @step
    def train(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_num_parallel_is_a_foreach_over_the_gang_as_in_the_family() -> None:
    graph = FlowGraph.from_class(GangFlow)
    check(graph)
    start, train, join = graph["start"], graph["train"], graph["join"]
    assert start.type == "foreach" and start.parallel_foreach and start.is_foreach
    assert start.foreach_param == PARALLEL_VAR and start.matching_join == "join"
    assert train.parallel_step and not train.parallel_foreach and train.type == "linear"
    assert train.split_parents == ["start"] and join.split_parents == ["start"]
    steps = {s["name"]: s for s in graph_to_dict(graph)["steps"]}
    assert steps["start"]["parallel_foreach"] and steps["train"]["parallel_step"]
    text = format_graph(graph)
    assert "train [parallel] @parallel()" in text
    assert "=> train  (num_parallel: a gang of tasks)" in text


class NotParallelFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train, num_parallel=2)

    @step
    def train(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


class NoGangFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @parallel
    @step
    def train(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class TwoTargetsFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b, num_parallel=2)

    @parallel
    @step
    def a(self):
        self.next(self.join)

    @parallel
    @step
    def b(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def _line(flow_cls: type, step_name: str, needle: str) -> int:
    import inspect

    lines, first = inspect.getsourcelines(getattr(flow_cls, step_name))
    return first + next(i for i, text in enumerate(lines) if needle in text)


def test_num_parallel_must_start_a_parallel_step() -> None:
    err = lint_error(NotParallelFlow)
    line = _line(NotParallelFlow, "start", "num_parallel")
    assert_problem(err, "start", line, "'train', which is not a @parallel step")


def test_a_parallel_step_needs_num_parallel_and_a_join_after_it() -> None:
    err = lint_error(NoGangFlow)
    assert_problem(
        err, "train", FlowGraph.from_class(NoGangFlow)["train"].line, "without num_parallel="
    )
    assert_problem(
        err, "train", _line(NoGangFlow, "train", "self.next"), "must be the join of its gang"
    )


def test_num_parallel_names_one_step() -> None:
    err = lint_error(TwoTargetsFlow)
    assert_problem(
        err, "start", _line(TwoTargetsFlow, "start", "num_parallel"), "exactly one target"
    )
    assert not problems(FlowGraph.from_class(GangFlow))


@pytest.mark.parametrize("value", [0, -1, 2.0, "3", True, None])
def test_num_parallel_values_are_checked(value: object) -> None:
    with pytest.raises(FlowDefinitionError, match="int >= 1"):
        check_num_parallel("start", ("train",), value)
    assert check_num_parallel("start", ("train",), 5) == 5


def test_next_with_num_parallel_in_a_running_step() -> None:
    flow = GangFlow(use_cli=False)
    flow._fs_bind("start", None)
    flow.start()
    transition = flow._fs_transition()
    assert transition.targets == ("train",) and transition.num_parallel == 3
    flow._fs_bind("start", None)
    with pytest.raises(FlowDefinitionError, match="num_parallel=0 is not valid"):
        flow.next(flow.train, num_parallel=0)
    flow._fs_bind("start", None)
    with pytest.raises(FlowDefinitionError, match="cannot go with foreach="):
        flow.next(flow.train, num_parallel=2, foreach="x")


def test_parallel_takes_no_arguments() -> None:
    with pytest.raises(FlowDefinitionError, match="@parallel takes no arguments"):
        parallel(3)  # type: ignore[arg-type]
