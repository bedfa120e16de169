"""Check a flow graph before anything runs. Pure.

`check(graph)` raises one GraphError listing every problem found, each naming its step and
line; `problems(graph)` returns the list without raising. The rules for switch steps and
loops live in flow/lint_switch.py, those for @parallel steps in flow/lint_parallel.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from flowscope.errors import GraphError, GraphProblem
from flowscope.flow import lint_parallel, lint_switch
from flowscope.flow.graph import FlowGraph, StepNode
from flowscope.flow.names import RESERVED, did_you_mean, is_identifier, name_problem
from flowscope.flow.topology import Arrival

_SIGNATURE_HINT = "a step takes (self), or (self, inputs) for a join"


def check(graph: FlowGraph) -> None:
    """Raise GraphError listing every problem of `graph`; return None if it is valid."""
    found = problems(graph)
    if found:
        raise GraphError(found)


def problems(graph: FlowGraph) -> list[GraphProblem]:
    """Every problem of `graph`, in line order."""
    found: list[GraphProblem] = [*_names(graph), *_start_and_end(graph)]
    for node in graph.nodes.values():
        found.extend(_signature(node))
        found.extend(_transitions(graph, node))
        found.extend(_catch_var(graph, node))
    found.extend(_reachability(graph))
    found.extend(_structure(graph))
    found.extend(lint_switch.graph_problems(graph))
    found.extend(lint_parallel.graph_problems(graph))
    found.extend(_parameters(graph))
    return sorted(found, key=lambda p: p.line or 0)


def _next_line(node: StepNode) -> int:
    """The line of the step's (last) self.next call, else its def line."""
    return node.next_calls[-1].line if node.next_calls else node.line


def _names(graph: FlowGraph) -> Iterator[GraphProblem]:
    """Flow and step names must be addressable (the rule in `pathspec.is_name`)."""
    problem = name_problem("flow", graph.flow_name)
    if problem:
        yield GraphProblem(None, graph.line, problem)
    for node in graph.nodes.values():
        problem = name_problem("step", node.name)
        if problem:
            yield GraphProblem(None, node.line, problem)


def _start_and_end(graph: FlowGraph) -> Iterator[GraphProblem]:
    for name in ("start", "end"):
        if name not in graph.nodes:
            yield GraphProblem(
                None,
                graph.line,
                f"{graph.flow_name} has no '{name}' step; every flow needs one: "
                f"@step def {name}(self): ...",
            )
    start = graph.nodes.get("start")
    if start is not None and start.is_join:
        yield GraphProblem(
            "start",
            start.line,
            "'start' takes inputs, but no step comes before start; write def start(self).",
        )


def _signature(node: StepNode) -> Iterator[GraphProblem]:
    sig = node.signature
    if not sig.arg_names:
        yield GraphProblem(node.name, node.line, f"the step takes no self; {_SIGNATURE_HINT}.")
    elif len(sig.arg_names) > 2:
        extra = ", ".join(sig.arg_names[1:])
        yield GraphProblem(
            node.name, node.line, f"the step takes the arguments ({extra}); {_SIGNATURE_HINT}."
        )
    if sig.has_star_args:
        yield GraphProblem(
            node.name,
            node.line,
            f"the step takes *args, **kwargs or keyword-only arguments; {_SIGNATURE_HINT}.",
        )
    if sig.is_async:
        yield GraphProblem(node.name, node.line, "steps cannot be async; use a plain def.")


def _transitions(graph: FlowGraph, node: StepNode) -> Iterator[GraphProblem]:
    calls = node.next_calls
    if node.name == "end":
        for call in calls:
            yield GraphProblem(
                "end",
                call.line,
                "'end' is the last step and cannot call self.next(...); remove the call.",
            )
        return
    if not calls:
        yield GraphProblem(
            node.name,
            node.line,
            "the step never calls self.next(...); end it with self.next(self.<step>) "
            "(only 'end' finishes the flow).",
        )
        return
    if len(calls) > 1:
        lines = ", ".join(str(c.line) for c in calls)
        for call in calls[1:]:
            yield GraphProblem(
                node.name,
                call.line,
                f"self.next(...) is called {len(calls)} times (lines {lines}); call it "
                f"exactly once, as the last statement of the step.",
            )
    elif not calls[0].is_tail:
        yield GraphProblem(
            node.name,
            calls[0].line,
            "self.next(...) must be the last statement of the step; move the code after it "
            "before it.",
        )
    for call in calls:
        for message in call.problems:
            yield GraphProblem(node.name, call.line, message)
        if call.is_switch:
            yield from lint_switch.call_problems(graph, node, call)
            continue
        if not call.targets and not call.problems:
            yield GraphProblem(
                node.name, call.line, "self.next() names no step; name one: self.next(self.<step>)."
            )
        if call.foreach is not None:
            if len(call.targets) != 1:
                yield GraphProblem(
                    node.name,
                    call.line,
                    f"foreach='{call.foreach}' needs exactly one target step, got "
                    f"{len(call.targets)}; write self.next(self.<step>, foreach='{call.foreach}').",
                )
            if not is_identifier(call.foreach) or call.foreach in RESERVED:
                yield GraphProblem(
                    node.name,
                    call.line,
                    f"foreach='{call.foreach}' must name an artifact set in this step "
                    f"(a Python identifier that flowscope does not reserve).",
                )
        seen: set[str] = set()
        for target in call.targets:
            if target in seen:
                yield GraphProblem(node.name, call.line, f"self.next(...) names '{target}' twice.")
            seen.add(target)
            if target in graph.nodes:
                continue
            if target in graph.methods:
                yield GraphProblem(
                    node.name,
                    call.line,
                    f"self.next(self.{target}) names '{target}', which is not a step; "
                    f"decorate it with @step.",
                )
            else:
                hint = did_you_mean(target, graph.nodes)
                yield GraphProblem(
                    node.name,
                    call.line,
                    f"self.next(self.{target}) names an unknown step '{target}'.{hint}",
                )


def _catch_var(graph: FlowGraph, node: StepNode) -> Iterator[GraphProblem]:
    catch = node.decorator("catch")
    var = getattr(catch, "var", None)
    if var is None:
        return
    if var in graph.nodes or var in graph.parameters:
        what = "step" if var in graph.nodes else "parameter"
        yield GraphProblem(
            node.name,
            node.line,
            f"@catch(var='{var}') uses the name of a {what}; choose another artifact name.",
        )


def _reachability(graph: FlowGraph) -> Iterator[GraphProblem]:
    topology = graph.topology
    if "start" not in graph.nodes:
        return
    for node in graph.nodes.values():
        if node.name not in topology.reachable:
            yield GraphProblem(
                node.name,
                node.line,
                "the step is never reached from 'start'; name it in a self.next(...) call "
                "or remove it.",
            )
    if topology.cycle:
        cycle = topology.cycle
        node = graph.nodes[cycle[-2]]
        yield GraphProblem(
            node.name,
            _next_line(node),
            f"self.next(self.{cycle[-1]}) closes a cycle ({' -> '.join(cycle)}); a flow's "
            f"steps cannot loop, except through a switch: "
            f"self.next({{'again': self.{cycle[-1]}, 'done': self.<step>}}, condition='var').",
        )


def _structure(graph: FlowGraph) -> Iterator[GraphProblem]:
    """Splits and joins: checked only on an acyclic graph that has a start."""
    topology = graph.topology
    if "start" not in graph.nodes or topology.cycle:
        return
    for name in topology.order:
        if name not in topology.reachable or name == "start":
            continue
        node = graph.nodes[name]
        arrivals = topology.arrivals[name]
        if node.is_join:
            yield from _join(graph, node, arrivals)
        elif len({a.stack for a in arrivals}) > 1:
            described = ", ".join(
                f"{a.parent} ({f'inside {a.stack[-1]!r}' if a.stack else 'outside any split'})"
                for a in arrivals
            )
            yield GraphProblem(
                name,
                node.line,
                f"the step is reached from {described}; every way to a step must pass the same "
                f"splits and joins. Join the inner split before the paths meet.",
            )
        elif len({a.branch for a in arrivals}) > 1:  # the same branch twice: a switch's cases
            parents = ", ".join(a.parent for a in arrivals)
            splits = sorted({a.stack[-1] for a in arrivals if a.stack})
            what = f" of {', '.join(repr(s) for s in splits)}" if splits else ""
            yield GraphProblem(
                name,
                node.line,
                f"the step is reached from {parents}, but does not take inputs; to join the "
                f"branches{what}, write def {name}(self, inputs).",
            )
    end = graph.nodes.get("end")
    if end is not None and end.name in topology.reachable:
        open_splits = list(end.split_parents)
        if end.is_join and open_splits:
            open_splits.pop()
        for split in open_splits:
            node = graph.nodes[split]
            yield GraphProblem(
                split,
                _next_line(node),
                f"the {'foreach' if node.is_foreach else 'split'} at '{split}' is never joined "
                f"before 'end'; add a step that takes inputs: def join(self, inputs).",
            )


def _join(graph: FlowGraph, node: StepNode, arrivals: list[Arrival]) -> Iterator[GraphProblem]:
    stacks = {a.stack for a in arrivals}
    if all(not s for s in stacks):
        cases = " (only one case of a switch runs, so its cases meet without inputs)"
        yield GraphProblem(
            node.name,
            node.line,
            "the step takes inputs, but no split comes before it; only a step after "
            "self.next(self.a, self.b) or foreach= branches can join. Write "
            f"def {node.name}(self) instead{cases if len(arrivals) > 1 else ''}.",
        )
        return
    if len(stacks) > 1:
        described = ", ".join(
            f"{a.parent} ({f'a branch of {a.stack[-1]!r}' if a.stack else 'outside any split'})"
            for a in arrivals
        )
        yield GraphProblem(
            node.name,
            node.line,
            f"the join mixes branches of different splits: {described}; join the inner split "
            f"first.",
        )
        return
    split = graph.nodes[arrivals[0].stack[-1]]
    if any(a.parent == split.name for a in arrivals):
        yield GraphProblem(
            node.name,
            node.line,
            f"the join directly follows the split at '{split.name}'; each branch needs at "
            f"least one step before the join.",
        )
        return
    for branch in split.out_funcs if not split.is_foreach else ():
        if branch in graph.nodes and not _reaches(graph, branch, node.name):
            yield GraphProblem(
                node.name,
                node.line,
                f"the join closes the split at '{split.name}', but the branch '{branch}' never "
                f"reaches it; lead every branch of a split to the same join.",
            )


def _reaches(graph: FlowGraph, source: str, target: str) -> bool:
    seen = {source}
    todo = [source]
    while todo:
        name = todo.pop()
        if name == target:
            return True
        for child in graph.nodes[name].out_funcs:
            if child in graph.nodes and child not in seen:
                seen.add(child)
                todo.append(child)
    return False


def _parameters(graph: FlowGraph) -> Iterator[GraphProblem]:
    by_name: dict[str, str] = {}
    for attr, param in graph.parameters.items():
        line = graph.parameter_lines.get(attr, graph.line)
        if attr != param.name:
            yield GraphProblem(
                None,
                line,
                f"the attribute '{attr}' holds Parameter('{param.name}'); the attribute and the "
                f"parameter name must match: {attr} = Parameter('{attr}', ...).",
            )
        if param.name in graph.nodes:
            yield GraphProblem(
                None,
                line,
                f"the parameter '{param.name}' has the name of a step; rename one of them.",
            )
        if param.name in by_name:
            yield GraphProblem(
                None,
                line,
                f"the parameters '{by_name[param.name]}' and '{attr}' both use the name "
                f"'{param.name}'.",
            )
        by_name.setdefault(param.name, attr)
