"""Which tasks run next. Pure: graph and finished tasks in, new tasks out.

Every task carries a stack of frames, one per enclosing split (static or foreach). A split
pushes a frame on each child; the join that closes it pops the frame and waits until one
input per branch (or per foreach item) has finished with the same remaining stack. The
scheduler numbers the tasks it creates, so a task's id is known as soon as it exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from flowscope.flow import FlowGraph
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.spec import Frame, Parent, Stack, TaskSpec


class StepGraph(Protocol):
    """What the scheduler needs to know about a step."""

    def successors(self, step: str) -> Sequence[str]: ...

    def is_join(self, step: str) -> bool: ...

    def foreach_var(self, step: str) -> str | None: ...


class FlowGraphView:
    """A FlowGraph as the scheduler sees it."""

    def __init__(self, graph: FlowGraph) -> None:
        self.graph = graph

    def successors(self, step: str) -> list[str]:
        return list(self.graph[step].out_funcs)

    def is_join(self, step: str) -> bool:
        return bool(self.graph[step].is_join)

    def foreach_var(self, step: str) -> str | None:
        node = self.graph[step]
        return node.foreach_param if node.type == "foreach" else None


@dataclass
class _OpenJoin:
    count: int
    arrived: dict[int, Parent] = field(default_factory=dict)  # branch index -> finished task


class Scheduler:
    """Tracks open joins; `finished()` returns the tasks a finished task unlocks."""

    def __init__(self, graph: StepGraph, start: str = "start", first_id: int = 1) -> None:
        self.graph = graph
        self.start = start
        self._next_id = first_id
        self._joins: dict[tuple[str, Stack], _OpenJoin] = {}

    def new_id(self) -> int:
        """A fresh task id (also for tasks the runner records itself, like the parameters)."""
        task_id, self._next_id = self._next_id, self._next_id + 1
        return task_id

    def initial(self, inputs: tuple[Parent, ...] = ()) -> list[TaskSpec]:
        return [TaskSpec(self.new_id(), self.start, (), inputs)]

    def finished(
        self,
        spec: TaskSpec,
        index: Mapping[str, ArtifactRecord],
        foreach_values: Sequence[str] | None = None,
    ) -> list[TaskSpec]:
        """The tasks unlocked by `spec` having finished well with artifacts `index`.

        `foreach_values` gives, when the step was a foreach split, a short repr of each item
        (empty strings when they are not known); its length is the number of items.
        """
        targets = list(self.graph.successors(spec.step))
        if not targets:
            return []
        done = Parent(spec.task_id, spec.step, spec.stack, index)
        var = self.graph.foreach_var(spec.step)
        if var is not None:
            if not foreach_values:
                raise ValueError(f"foreach step {spec.step!r} finished without any item")
            (target,) = targets
            count = len(foreach_values)
            return [
                self._spec(
                    target,
                    spec.stack + (Frame(spec.step, i, count, True, var, value),),
                    (done,),
                    var,
                )
                for i, value in enumerate(foreach_values)
            ]
        if len(targets) > 1:
            return [
                self._spec(t, spec.stack + (Frame(spec.step, i, len(targets), False),), (done,))
                for i, t in enumerate(targets)
            ]
        (target,) = targets
        if not self.graph.is_join(target):
            return [self._spec(target, spec.stack, (done,))]
        if not spec.stack:
            raise ValueError(f"join {target!r} reached from {spec.step!r} outside any split")
        frame, outer = spec.stack[-1], spec.stack[:-1]
        join = self._joins.setdefault((target, outer), _OpenJoin(frame.count))
        join.arrived[frame.index] = done
        if len(join.arrived) < join.count:
            return []
        del self._joins[(target, outer)]
        inputs = tuple(join.arrived[i] for i in sorted(join.arrived))
        return [self._spec(target, outer, inputs)]

    def _spec(
        self, step: str, stack: Stack, inputs: tuple[Parent, ...], var: str | None = None
    ) -> TaskSpec:
        return TaskSpec(self.new_id(), step, stack, inputs, var)

    @property
    def open_joins(self) -> Mapping[tuple[str, Stack], _OpenJoin]:
        return self._joins
