"""Which tasks run next. Pure: graph and finished tasks in, new tasks out.

Every task carries a stack of frames, one per enclosing split (static or foreach). A split
pushes a frame on each child; the join that closes it pops the frame and waits until one
input per branch (or per foreach item) has finished with the same remaining stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Frame:
    """One enclosing split: the step that split, this branch's index, and how many there are."""

    step: str
    index: int
    count: int
    foreach: bool

    def to_json(self) -> list[Any]:
        return [self.step, self.index, self.count, self.foreach]


Stack = tuple[Frame, ...]


@dataclass(frozen=True)
class TaskSpec:
    """A task to run: its step, stack, and the finished tasks it reads from."""

    step: str
    stack: Stack
    inputs: tuple[int, ...]  # task ids of the parent tasks, in join order
    foreach_var: str | None = None  # for a foreach child: the parent's artifact to index
    key: tuple[Any, ...] = field(default=())  # identity across runs (for resume)

    @property
    def foreach_index(self) -> int | None:
        for frame in reversed(self.stack):
            if frame.foreach:
                return frame.index
        return None


def task_key(step: str, stack: Stack) -> tuple[Any, ...]:
    """A task's identity independent of task ids: its step and its path through splits."""
    return (step, tuple((f.step, f.index) for f in stack))


class GraphView(Protocol):
    """What the scheduler needs to know about a step."""

    def successors(self, step: str) -> Sequence[str]: ...

    def is_join(self, step: str) -> bool: ...

    def foreach_var(self, step: str) -> str | None: ...


@dataclass
class _Pending:
    count: int
    arrived: dict[int, int] = field(default_factory=dict)  # branch index -> task id


class Scheduler:
    """Tracks open joins; `finished()` returns the tasks a finished task unlocks."""

    def __init__(self, graph: GraphView, start: str = "start") -> None:
        self.graph = graph
        self.start = start
        self._joins: dict[tuple[str, Stack], _Pending] = {}

    def initial(self, inputs: tuple[int, ...] = ()) -> list[TaskSpec]:
        return [TaskSpec(self.start, (), inputs, key=task_key(self.start, ()))]

    def finished(
        self, task_id: int, spec: TaskSpec, foreach_count: int | None = None
    ) -> list[TaskSpec]:
        """The tasks unlocked by `task_id` (running `spec`) having finished well.

        `foreach_count` is the number of items when the step was a foreach split.
        """
        targets = list(self.graph.successors(spec.step))
        if not targets:
            return []
        var = self.graph.foreach_var(spec.step)
        if var is not None:
            if not foreach_count:
                raise ValueError(
                    f"foreach step {spec.step!r} finished without a positive item count"
                )
            (target,) = targets
            return [
                self._spec(
                    target,
                    spec.stack + (Frame(spec.step, i, foreach_count, True),),
                    (task_id,),
                    var,
                )
                for i in range(foreach_count)
            ]
        if len(targets) > 1:
            return [
                self._spec(t, spec.stack + (Frame(spec.step, i, len(targets), False),), (task_id,))
                for i, t in enumerate(targets)
            ]
        (target,) = targets
        if not self.graph.is_join(target):
            return [self._spec(target, spec.stack, (task_id,))]
        if not spec.stack:
            raise ValueError(f"join {target!r} reached from {spec.step!r} outside any split")
        frame, outer = spec.stack[-1], spec.stack[:-1]
        pending = self._joins.setdefault((target, outer), _Pending(frame.count))
        pending.arrived[frame.index] = task_id
        if len(pending.arrived) < pending.count:
            return []
        del self._joins[(target, outer)]
        inputs = tuple(pending.arrived[i] for i in sorted(pending.arrived))
        return [self._spec(target, outer, inputs)]

    @staticmethod
    def _spec(step: str, stack: Stack, inputs: tuple[int, ...], var: str | None = None) -> TaskSpec:
        return TaskSpec(step, stack, inputs, var, task_key(step, stack))

    @property
    def open_joins(self) -> Mapping[tuple[str, Stack], _Pending]:
        return self._joins
