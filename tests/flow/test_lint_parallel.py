"""flow/lint_parallel.py on its own: `graph_problems` over graphs, without the whole check
(tests/flow/test_gang.py runs the same rules through `check` and the CLI's messages)."""

from __future__ import annotations

from flowscope.flow import FlowGraph
from flowscope.flow.lint_parallel import graph_problems

from .test_gang import GangFlow, NoGangFlow, NotParallelFlow, TwoTargetsFlow


def _messages(flow_cls: type) -> list[tuple[str | None, str]]:
    return [(p.step, p.message) for p in graph_problems(FlowGraph.from_class(flow_cls))]


def test_a_well_formed_gang_has_no_problem() -> None:
    assert _messages(GangFlow) == []


def test_a_gang_of_a_plain_step_is_named_with_the_fix() -> None:
    [(step, message)] = _messages(NotParallelFlow)
    assert step == "start"
    assert "'train', which is not a @parallel step" in message and "@parallel" in message


def test_a_parallel_step_without_num_parallel_or_join_gets_both_problems() -> None:
    found = _messages(NoGangFlow)
    assert all(step == "train" for step, _ in found)
    assert any("without num_parallel=" in m for _, m in found)
    assert any("must be the join of its gang" in m for _, m in found)


def test_every_problem_carries_a_line() -> None:
    for flow_cls in (NotParallelFlow, NoGangFlow, TwoTargetsFlow):
        problems = list(graph_problems(FlowGraph.from_class(flow_cls)))
        assert problems and all(p.line for p in problems), flow_cls
    assert any("exactly one target" in m for _, m in _messages(TwoTargetsFlow))
