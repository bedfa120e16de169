"""The graph check's rules for @parallel steps (see flow/gang.py). Pure; run by
`flow.lint.problems`."""

from __future__ import annotations

from collections.abc import Iterator

from flowscope.errors import GraphProblem
from flowscope.flow.graph import FlowGraph, StepNode

EXAMPLE = "self.next(self.train, num_parallel=4)"


def _line(node: StepNode) -> int:
    calls = [c for c in node.next_calls if c.num_parallel]
    return calls[-1].line if calls else (node.next_calls[-1].line if node.next_calls else node.line)


def graph_problems(graph: FlowGraph) -> Iterator[GraphProblem]:
    """Every problem of the graph's num_parallel= calls and @parallel steps."""
    for node in graph.nodes.values():
        for call in node.next_calls:
            if not call.num_parallel:
                continue
            if call.foreach is not None or call.is_switch:
                yield GraphProblem(
                    node.name,
                    call.line,
                    "num_parallel= cannot go with foreach= or a switch; choose one of them.",
                )
            elif len(call.targets) != 1:
                yield GraphProblem(
                    node.name,
                    call.line,
                    f"num_parallel= needs exactly one target step (a @parallel step), got "
                    f"{len(call.targets)}; write {EXAMPLE}.",
                )
            for target in call.targets:
                child = graph.nodes.get(target)
                if child is not None and not child.parallel_step:
                    yield GraphProblem(
                        node.name,
                        call.line,
                        f"num_parallel= starts a gang of '{target}', which is not a @parallel "
                        f"step; decorate it with @parallel (above @step).",
                    )
        if node.parallel_step:
            yield from _parallel_step(graph, node)


def _parallel_step(graph: FlowGraph, node: StepNode) -> Iterator[GraphProblem]:
    for parent in node.in_funcs:
        if not graph.nodes[parent].parallel_foreach:
            yield GraphProblem(
                node.name,
                node.line,
                f"the @parallel step '{node.name}' is reached from '{parent}' without "
                f"num_parallel=; start it with {EXAMPLE.replace('train', node.name)}.",
            )
    for target in node.out_funcs:
        child = graph.nodes.get(target)
        if child is None:
            continue
        if not child.is_join or len(node.out_funcs) != 1:
            yield GraphProblem(
                node.name,
                _line(node),
                f"the step after the @parallel step '{node.name}' must be the join of its "
                f"gang: self.next(self.<join>), with def <join>(self, inputs).",
            )
