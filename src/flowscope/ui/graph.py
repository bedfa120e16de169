"""A run's step graph for the run page: the shape read from its code package, the state read
from its records. Pure apart from the `ast` parse.

The shape (which step follows which, and each step's kind: foreach, split, join, switch) is
read from the flow file saved with the run, with `ast` only: the flow's code is never imported
or run. A run without a code package (started through the API) is drawn as its steps in the
order they were created, one after another.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flowscope.cards.graph_svg import GraphStep, GraphView
from flowscope.flow.source import FunctionNode, next_calls, signature, transition_call


@dataclass(frozen=True)
class Shape:
    """Steps in source order with their kinds, and the transitions between them."""

    steps: tuple[tuple[str, str], ...]
    edges: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class StepState:
    """What the records say about one step: a status, how many tasks, how long."""

    status: str
    tasks: int
    seconds: float | None


def _is_step(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id == "step"
    return isinstance(node, ast.Attribute) and node.attr == "step"


def _step_functions(module: ast.Module, flow_name: str) -> list[FunctionNode]:
    classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
    found: dict[str, FunctionNode] = {}
    order = [flow_name]
    seen = {flow_name}
    while order:  # the class, then its bases defined in the same file (the class's own win)
        name = order.pop(0)
        classdef = classes.get(name)
        if classdef is None:
            continue
        for item in classdef.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if any(_is_step(d) for d in item.decorator_list):
                    found.setdefault(item.name, item)
        for base in classdef.bases:
            if isinstance(base, ast.Name) and base.id not in seen:
                seen.add(base.id)
                order.append(base.id)
    return list(found.values())


def _kind(name: str, func: FunctionNode) -> tuple[str, tuple[str, ...]]:
    call = transition_call(next_calls(func))
    targets = () if call is None else tuple(dict.fromkeys(call.targets))
    if call is not None and call.is_switch:
        return "switch", targets
    if call is not None and call.foreach is not None:
        return "foreach", targets
    if len(targets) > 1:
        return "split", targets
    if signature(func).takes_inputs:
        return "join", targets
    if name == "end" or not targets:
        return "end", targets
    return ("start" if name == "start" else "linear"), targets


def shape_from_source(source: str | None, flow_name: str) -> Shape | None:
    """The flow's shape, or None when the source is missing or holds no such flow."""
    if source is None:
        return None
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    functions = _step_functions(module, flow_name)
    if not functions:
        return None
    steps: list[tuple[str, str]] = []
    edges: list[tuple[str, str]] = []
    for func in functions:
        kind, targets = _kind(func.name, func)
        steps.append((func.name, kind))
        edges.extend((func.name, t) for t in targets)
    return Shape(tuple(steps), tuple(edges))


def chain(step_names: Sequence[str]) -> Shape:
    """The fallback shape: the steps one after another."""
    names = tuple(step_names)
    return Shape(tuple((n, "linear") for n in names), tuple(zip(names, names[1:], strict=False)))


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def graph_view(
    shape: Shape, states: Mapping[str, StepState], current: str | None = None
) -> GraphView:
    """The GraphView to draw: each step with its status, task count and duration; steps
    recorded but missing from the shape are added at the end."""
    known = {name for name, _ in shape.steps}
    steps = []
    for name, kind in shape.steps:
        state = states.get(name)
        if state is None:
            steps.append(GraphStep(name, kind, "not run", "pending"))
            continue
        tasks = f"{state.tasks} task" + ("" if state.tasks == 1 else "s")
        steps.append(
            GraphStep(name, kind, f"{tasks} · {duration_text(state.seconds)}", state.status)
        )
    edges = [e for e in shape.edges if e[0] in known and e[1] in known]
    for name, state in states.items():
        if name not in known and not name.startswith("_"):
            steps.append(GraphStep(name, "linear", f"{state.tasks} tasks", state.status))
    return GraphView(steps=tuple(steps), edges=tuple(edges), current=current, title="run graph")
