"""The graph check's rules for switch steps and loops. Pure; `flow.lint.problems` runs them.

A switch is written `self.next({"a": self.a, "b": self.b}, condition="var")`: one dict literal
of at least two cases going to at least two different steps, keys that are literal strings,
integers or booleans, and `condition=` naming an artifact. As in the family, no case may lead
straight into a join (a step with inputs): put a step in between. A loop (a case going back
to the step itself or to an earlier step) cannot go back to start, and must stay at one split
level: the switch hands on the same split stack the loop's target first got.
"""

from __future__ import annotations

from collections.abc import Iterator

from flowscope.errors import GraphProblem
from flowscope.flow.graph import FlowGraph, StepNode
from flowscope.flow.names import INTERNAL_PREFIX, RESERVED, did_you_mean, is_identifier
from flowscope.flow.source import NextCall

EXAMPLE = "self.next({'a': self.a, 'b': self.b}, condition='var')"


def call_problems(graph: FlowGraph, node: StepNode, call: NextCall) -> Iterator[GraphProblem]:
    """What is wrong with one switch call, as written (its source problems come separately)."""
    where = (node.name, call.line)
    if not call.cases and call.targets:
        yield GraphProblem(
            *where,
            f"condition= needs a dict of cases, key -> step, as in {EXAMPLE}; "
            f"for all of the steps to run, drop condition=.",
        )
        return
    if call.foreach is not None:
        yield GraphProblem(*where, "a switch cannot also use foreach=; choose one of them.")
    if call.condition is None:
        yield GraphProblem(
            *where,
            f"a dict of cases needs condition='<artifact>' naming the artifact whose value "
            f"picks the case, as in {EXAMPLE}.",
        )
    elif call.condition and (
        not is_identifier(call.condition)
        or call.condition in RESERVED
        or call.condition.startswith(INTERNAL_PREFIX)
    ):
        yield GraphProblem(
            *where,
            f"condition='{call.condition}' must name an artifact set in this step or a "
            f"parameter (a Python identifier that flowscope does not reserve).",
        )
    if not call.cases:
        if not call.problems:
            yield GraphProblem(*where, f"the switch has no cases; write {EXAMPLE}.")
        return
    if len(call.targets) < 2:
        keys = ", ".join(repr(k) for k, _ in call.cases)
        only = call.targets[0]
        yield GraphProblem(
            *where,
            f"every case of the switch ({keys}) goes to '{only}'; a switch needs at least "
            f"two different steps. To always go to '{only}', write self.next(self.{only}).",
        )
    for key, target in call.cases:
        if target in graph.nodes:
            continue
        what = "is not a step; decorate it with @step" if target in graph.methods else None
        hint = did_you_mean(target, graph.nodes)
        yield GraphProblem(
            *where,
            f"the switch case {key!r} names "
            + (f"'{target}', which {what}." if what else f"an unknown step '{target}'.{hint}"),
        )


def graph_problems(graph: FlowGraph) -> Iterator[GraphProblem]:
    """Cases that lead into a join, and loops that leave their split level or go to start."""
    topology = graph.topology
    for node in graph.nodes.values():
        if not node.is_switch or node.name not in topology.reachable:
            continue
        line = node.next_calls[-1].line if node.next_calls else node.line
        for key, target in node.switch_cases:
            child = graph.nodes.get(target)
            if child is not None and child.is_join:
                yield GraphProblem(
                    node.name,
                    line,
                    f"the switch case {key!r} leads straight into the join '{target}'; a case "
                    f"cannot lead directly to a join. Put a step without inputs in between.",
                )
    if topology.cycle:
        return
    for switch, target in topology.loops:
        node = graph.nodes[switch]
        line = node.next_calls[-1].line if node.next_calls else node.line
        key = next(repr(k) for k, t in node.switch_cases if t == target)
        if target == "start":
            yield GraphProblem(
                switch,
                line,
                f"the switch case {key} loops back to 'start', which runs once per run; loop "
                f"back to a step after start.",
            )
            continue
        after = topology.exit_stacks.get(switch, ())
        before = tuple(topology.split_parents.get(target, ()))
        if after != before:
            crossed = sorted(set(after) ^ set(before))
            names = ", ".join(f"'{s}'" for s in crossed)
            yield GraphProblem(
                switch,
                line,
                f"the switch case {key} loops back to '{target}' across the split or foreach "
                f"at {names}; a loop must start and end inside the same split (join it "
                f"before the switch, or loop back to a step inside it).",
            )
