"""Which tasks run next. Pure: graph and finished tasks in, new tasks out.

Every task carries a stack of frames, one per enclosing split (static or foreach). A split
pushes a frame on each child; the join that closes it pops the frame and waits until one
input per branch (or per foreach item) has finished with the same remaining stack. The
scheduler numbers the tasks it creates, so a task's id is known as soon as it exists.

A switch step (flow/switch.py) has one successor per task: the case its task reports (the
key its condition's value selected). The chosen step starts at the switch task's stack, so
a switch pushes no frame and nothing waits for the cases that did not run. On a loop (a case
going back to an earlier step, or to itself) the same step runs again at the same stack: each
task of a step that may repeat carries its pass, the number of tasks of that step and stack
created before it, which makes its identity for resume. Steps that cannot repeat skip the
count (pass 0), so flows without loops pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from flowscope.flow import FlowGraph
from flowscope.flow.source import CaseKey
from flowscope.flow.switch import match_case, show_keys, show_value
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.spec import Frame, Parent, Stack, TaskSpec, stack_key


class StepGraph(Protocol):
    """What the scheduler needs to know about a step."""

    def successors(self, step: str) -> Sequence[str]: ...

    def is_join(self, step: str) -> bool: ...

    def foreach_var(self, step: str) -> str | None: ...

    def switch_cases(self, step: str) -> Mapping[CaseKey, str] | None:
        """Case key -> step for a switch step; None for any other step."""
        ...

    def repeats(self, step: str) -> bool:
        """True when the step lies on a loop (it may run more than once at one stack)."""
        ...


class FlowGraphView:
    """A FlowGraph as the scheduler sees it."""

    def __init__(self, graph: FlowGraph) -> None:
        self.graph = graph
        self._cases = {n.name: dict(n.switch_cases) for n in graph.nodes.values() if n.is_switch}
        self._repeats = graph.looping_steps

    def successors(self, step: str) -> list[str]:
        return list(self.graph[step].out_funcs)

    def is_join(self, step: str) -> bool:
        return bool(self.graph[step].is_join)

    def foreach_var(self, step: str) -> str | None:
        node = self.graph[step]
        return node.foreach_param if node.type == "foreach" else None

    def switch_cases(self, step: str) -> Mapping[CaseKey, str] | None:
        return self._cases.get(step)

    def repeats(self, step: str) -> bool:
        return step in self._repeats


class _OpenJoin:
    __slots__ = ("count", "arrived")
    count: int
    arrived: dict[int, Parent]  # branch index -> finished task

    def __init__(self, count: int, arrived: dict[int, Parent] | None = None) -> None:
        self.count = count
        self.arrived = {} if arrived is None else arrived


class Scheduler:
    """Tracks open joins; `finished()` returns the tasks a finished task unlocks."""

    def __init__(self, graph: StepGraph, start: str = "start", first_id: int = 1) -> None:
        self.graph = graph
        self.start = start
        self._next_id = first_id
        self._joins: dict[tuple[str, Stack], _OpenJoin] = {}
        self._passes: dict[tuple[str, tuple[tuple[str, int], ...]], int] = {}

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
        case: CaseKey | None = None,
    ) -> list[TaskSpec]:
        """The tasks unlocked by `spec` having finished well with artifacts `index`.

        `foreach_values` gives, when the step was a foreach split, a short repr of each item
        (empty strings when they are not known); its length is the number of items. `case`
        gives, when the step was a switch, the key its condition selected.
        """
        cases = self.graph.switch_cases(spec.step)
        if cases is not None:
            targets = [self._chosen(spec.step, cases, case)]
        else:
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

    @staticmethod
    def _chosen(step: str, cases: Mapping[CaseKey, str], case: CaseKey | None) -> str:
        key = None if case is None else match_case(cases, case)
        if key is None:
            given = "no case" if case is None else f"case {show_value(case)}"
            raise ValueError(
                f"switch {step!r} finished with {given}; its cases are {show_keys(cases)}"
            )
        return cases[key]

    def _spec(
        self, step: str, stack: Stack, inputs: tuple[Parent, ...], var: str | None = None
    ) -> TaskSpec:
        number = 0
        if self.graph.repeats(step):
            place = (step, stack_key(stack))
            number = self._passes.get(place, 0)
            self._passes[place] = number + 1
        return TaskSpec(self.new_id(), step, stack, inputs, var, pass_number=number)

    @property
    def open_joins(self) -> Mapping[tuple[str, Stack], _OpenJoin]:
        return self._joins
