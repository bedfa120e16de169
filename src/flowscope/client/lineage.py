"""Which tasks of a run fed which: `Task.parent_tasks`, `child_tasks` and their pathspecs.

As in the family, lineage is read from two things: the flow's step graph (which step follows
which) and each task's path through the splits that enclose it (its foreach stack, which here
holds static splits too). The graph is the one the runtime recorded with the run (the fact
`step-graph` of its parameters task); for runs recorded before that fact existed, it is read
from the flow's source in the run's code package, with `ast` only: the flow's code is never
imported or run by the client.

A parent of task T (step S) is a task of a step that precedes S in the graph, created before
T, whose path agrees with T's as far as both go. Tasks entering a foreach have one parent (the
split); a join has one parent per branch or foreach item (the latest task of each); a step in
a loop (a switch that goes back) has the latest matching task before it as its parent. A child
of T is a task of a following step that has T among its parents.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flowscope.errors import FlowDefinitionError
from flowscope.flow.render import STEP_GRAPH_FACT
from flowscope.flow.source import FunctionNode, next_calls, transition_call
from flowscope.metastore.records import TaskRecord

if TYPE_CHECKING:
    from flowscope.metastore.provider import MetadataProvider

PARAMETERS_STEP = "_parameters"  # the run's hidden first task (runtime/spec.py names it too)

Successors = Mapping[str, tuple[str, ...]]
Path = tuple[tuple[str, int], ...]


def _is_step_decorator(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id == "step"
    return isinstance(node, ast.Attribute) and node.attr == "step"


def _class_steps(
    classes: Mapping[str, ast.ClassDef], name: str, seen: frozenset[str]
) -> dict[str, FunctionNode]:
    """The step functions of class `name` and of its bases defined in the same source (a base
    defined elsewhere contributes nothing); the class's own definitions win."""
    classdef = classes[name]
    steps: dict[str, FunctionNode] = {}
    for base in reversed(classdef.bases):
        base_name = base.id if isinstance(base, ast.Name) else None
        if base_name is not None and base_name in classes and base_name not in seen:
            steps.update(_class_steps(classes, base_name, seen | {base_name}))
    for item in classdef.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(_is_step_decorator(d) for d in item.decorator_list):
                steps[item.name] = item
            else:
                steps.pop(item.name, None)
    return steps


def successors_from_source(source: str, flow_name: str) -> dict[str, tuple[str, ...]]:
    """{step: the steps its `self.next(...)` can go to}, read from a flow file's source."""
    try:
        module = ast.parse(source)
    except SyntaxError as exc:
        raise FlowDefinitionError(
            f"The source of {flow_name} saved with the run cannot be parsed ({exc}), so its "
            f"step graph, which lineage needs, cannot be read."
        ) from exc
    classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
    if flow_name not in classes:
        raise FlowDefinitionError(
            f"The source saved with the run has no class {flow_name}, so the flow's step "
            f"graph, which lineage needs, cannot be read."
        )
    graph: dict[str, tuple[str, ...]] = {}
    for name, func in _class_steps(classes, flow_name, frozenset({flow_name})).items():
        call = transition_call(next_calls(func))
        graph[name] = tuple(dict.fromkeys(call.targets)) if call is not None else ()
    return graph


def parse_recorded(value: str, run: str) -> dict[str, tuple[str, ...]]:
    """The `step-graph` fact's JSON text as {step: successors}; a malformed one is an error."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(
        isinstance(name, str)
        and isinstance(targets, list)
        and all(isinstance(t, str) for t in targets)
        for name, targets in data.items()
    ):
        raise FlowDefinitionError(
            f"The step graph recorded with Run('{run}') is malformed (fact {STEP_GRAPH_FACT!r}"
            f" should map each step to a list of step names), so its lineage cannot be read."
        )
    return {name: tuple(targets) for name, targets in data.items()}


def recorded_successors(
    provider: MetadataProvider, flow_name: str, run_id: int
) -> dict[str, tuple[str, ...]] | None:
    """The step graph recorded with the run, or None when the run has none (an older run)."""
    for task in provider.list_tasks(flow_name, run_id, PARAMETERS_STEP):
        for fact in provider.list_facts(flow_name, run_id, task.task_id, 0):
            if fact.field == STEP_GRAPH_FACT:
                return parse_recorded(fact.value, f"{flow_name}/{run_id}")
    return None


def run_successors(
    provider: MetadataProvider, flow_name: str, run_id: int, source: Callable[[], str | None]
) -> dict[str, tuple[str, ...]]:
    """The run's step graph: as recorded with it, else read from `source()` (the flow source
    in its code package)."""
    recorded = recorded_successors(provider, flow_name, run_id)
    if recorded is not None:
        return recorded
    text = source()
    if text is None:
        raise FlowDefinitionError(
            f"Run('{flow_name}/{run_id}') recorded no step graph and has no code package (it "
            f"was recorded by an older flowscope and not started from a .py file), so its "
            f"lineage cannot be read."
        )
    return successors_from_source(text, flow_name)


def predecessors(graph: Successors) -> dict[str, tuple[str, ...]]:
    before: dict[str, list[str]] = {name: [] for name in graph}
    for name, targets in graph.items():
        for target in targets:
            before.setdefault(target, []).append(name)
    return {name: tuple(steps) for name, steps in before.items()}


def path_of(task: TaskRecord) -> Path:
    """The task's path through its enclosing splits: (split step, branch index), outermost
    first."""
    return tuple((str(frame[0]), int(frame[1])) for frame in task.foreach_stack)


def _agree(a: Path, b: Path) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


TasksOf = Callable[[str], list[TaskRecord]]
"""The latest attempt of every task of a step (cached by the caller)."""


def parents(
    task: TaskRecord, before: Mapping[str, tuple[str, ...]], tasks_of: TasksOf
) -> list[TaskRecord]:
    """The tasks `task` read its inputs from, in task-id order."""
    mine = path_of(task)
    latest: dict[Any, TaskRecord] = {}
    for step in before.get(task.step_name, ()):
        for candidate in tasks_of(step):
            if candidate.task_id >= task.task_id:
                continue
            theirs = path_of(candidate)
            if not _agree(mine, theirs):
                continue
            # a join's inputs differ in the branch they took: one parent per branch
            group = theirs[len(mine)] if len(theirs) > len(mine) else None
            found = latest.get(group)
            if found is None or candidate.task_id > found.task_id:
                latest[group] = candidate
    return sorted(latest.values(), key=lambda t: t.task_id)


def children(
    task: TaskRecord,
    graph: Successors,
    before: Mapping[str, tuple[str, ...]],
    tasks_of: TasksOf,
) -> list[TaskRecord]:
    """The tasks that read `task`'s outputs, in task-id order."""
    mine = path_of(task)
    found: dict[int, TaskRecord] = {}
    for step in graph.get(task.step_name, ()):
        for candidate in tasks_of(step):
            if candidate.task_id <= task.task_id or not _agree(mine, path_of(candidate)):
                continue
            if any(p.task_id == task.task_id for p in parents(candidate, before, tasks_of)):
                found[candidate.task_id] = candidate
    return [found[i] for i in sorted(found)]


def step_cache(load: Callable[[str], Iterable[TaskRecord]]) -> TasksOf:
    """`tasks_of` that lists each step's tasks once."""
    cache: dict[str, list[TaskRecord]] = {}

    def tasks_of(step: str) -> list[TaskRecord]:
        if step not in cache:
            cache[step] = list(load(step))
        return cache[step]

    return tasks_of
