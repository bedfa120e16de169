"""What the runtime knows about a task to run, and what a step's decorators ask of its tasks.

A `TaskSpec` is the one description of a task: the scheduler creates it once its inputs have
finished, the runner queues it (a retry is the same spec with the next attempt number), and an
executor receives it as the payload of an attempt. It is plain data (no store, no flow class,
no open file), so an executor may send it to another process or machine as it is.

    Frame       one enclosing split of a task: static branch or foreach item
    Parent      a finished task as the tasks after it see it (its place and artifact index)
    TaskSpec    a task to run: id, attempt, step, frames, pass, parents (and its gang)
    StepRules   what a step's graph node and decorators ask of every task of the step
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowscope.flow import FlowGraph
from flowscope.flow.graph import StepNode
from flowscope.frozen import Frozen, init, replace
from flowscope.metastore.records import ArtifactRecord

PARAMETERS_STEP = "_parameters"  # the hidden task whose artifacts are the run's parameters
TIMEOUT_GRACE = 5.0  # seconds past @timeout before a task that did not stop is killed


class Frame(Frozen):
    """One enclosing split: the step that split, this branch's index, and how many there are.
    A foreach frame also names the artifact the split fanned out over (`var`) and carries a
    bounded repr of this branch's item (`value_repr`, empty when it is not known: the children
    of a split cloned by resume)."""

    __slots__ = ("step", "index", "count", "foreach", "var", "value_repr")
    step: str
    index: int
    count: int
    foreach: bool
    var: str
    value_repr: str

    def __init__(
        self,
        step: str,
        index: int,
        count: int,
        foreach: bool,
        var: str = "",
        value_repr: str = "",
    ) -> None:
        init(self, "step", step)
        init(self, "index", index)
        init(self, "count", count)
        init(self, "foreach", foreach)
        init(self, "var", var)
        init(self, "value_repr", value_repr)

    def to_json(self) -> list[Any]:
        """The frame as recorded with the task (what resume reads back)."""
        return [self.step, self.index, self.count, self.foreach]


Stack = tuple[Frame, ...]


def stack_key(stack: Stack) -> tuple[tuple[str, int], ...]:
    """A path through splits, independent of counts and item values."""
    return tuple((f.step, f.index) for f in stack)


def task_key(step: str, stack: Stack, pass_number: int = 0) -> tuple[Any, ...]:
    """A task's identity independent of task ids: its step, its path through splits, and its
    pass (how many tasks of the same step and path came before it: more than 0 only on a
    loop of switch steps)."""
    return (step, stack_key(stack), pass_number)


class Parent(Frozen):
    """A finished task as the tasks after it see it."""

    __slots__ = ("task_id", "step", "stack", "index")
    task_id: int
    step: str
    stack: Stack
    index: Mapping[str, ArtifactRecord]  # its artifacts by name

    def __init__(
        self,
        task_id: int,
        step: str,
        stack: Stack,
        index: Mapping[str, ArtifactRecord],
    ) -> None:
        init(self, "task_id", task_id)
        init(self, "step", step)
        init(self, "stack", stack)
        init(self, "index", index)


class TaskSpec(Frozen):
    """A task to run, and which attempt of it is next."""

    __slots__ = (
        "task_id",
        "step",
        "stack",
        "inputs",
        "foreach_var",
        "attempt",
        "pass_number",
        "gang",
    )
    task_id: int
    step: str
    stack: Stack
    inputs: tuple[Parent, ...]  # the finished tasks it reads, in join order
    foreach_var: str | None  # for a foreach item: the parent's artifact to index
    attempt: int
    pass_number: int  # on a loop: the tasks of this step and stack that came before
    gang: tuple[int, ...]  # a @parallel task: the task ids of its gang, node order

    def __init__(
        self,
        task_id: int,
        step: str,
        stack: Stack,
        inputs: tuple[Parent, ...],
        foreach_var: str | None = None,
        attempt: int = 0,
        pass_number: int = 0,
        gang: tuple[int, ...] = (),
    ) -> None:
        init(self, "task_id", task_id)
        init(self, "step", step)
        init(self, "stack", stack)
        init(self, "inputs", inputs)
        init(self, "foreach_var", foreach_var)
        init(self, "attempt", attempt)
        init(self, "pass_number", pass_number)
        init(self, "gang", gang)

    @property
    def node_index(self) -> int:
        """A @parallel task's place in its gang (0 is the control task)."""
        return self.stack[-1].index

    @property
    def key(self) -> tuple[Any, ...]:
        return task_key(self.step, self.stack, self.pass_number)

    @property
    def foreach_index(self) -> int | None:
        for frame in reversed(self.stack):
            if frame.foreach:
                return frame.index
        return None

    def pathspec(self, flow_name: str, run_id: int) -> str:
        return f"{flow_name}/{run_id}/{self.step}/{self.task_id}"

    def retry(self) -> TaskSpec:
        """The same task, next attempt."""
        return replace(self, attempt=self.attempt + 1)


class StepRules(Frozen):
    """What a step asks of each of its tasks, read once from its graph node."""

    __slots__ = (
        "is_join",
        "targets",
        "split_var",
        "retries",
        "retry_delay",
        "timeout",
        "catch_var",
        "switch",
        "parallel_foreach",
        "parallel_step",
    )
    is_join: bool
    targets: tuple[str, ...]  # the steps its self.next(...) must name
    split_var: str | None  # set when the step fans out with foreach=
    retries: int  # @retry(times=N): attempts after the first
    retry_delay: float  # seconds between attempts
    timeout: float | None  # @timeout, in seconds
    catch_var: str | None  # @catch: the artifact that stores the failure
    switch: bool  # a switch: self.next names one of `targets`, chosen by a condition
    parallel_foreach: bool  # it starts a gang with num_parallel=
    parallel_step: bool  # @parallel: its tasks run as a gang

    def __init__(
        self,
        is_join: bool,
        targets: tuple[str, ...],
        split_var: str | None,
        retries: int,
        retry_delay: float,
        timeout: float | None,
        catch_var: str | None,
        switch: bool = False,
        parallel_foreach: bool = False,
        parallel_step: bool = False,
    ) -> None:
        init(self, "is_join", is_join)
        init(self, "targets", targets)
        init(self, "split_var", split_var)
        init(self, "retries", retries)
        init(self, "retry_delay", retry_delay)
        init(self, "timeout", timeout)
        init(self, "catch_var", catch_var)
        init(self, "switch", switch)
        init(self, "parallel_foreach", parallel_foreach)
        init(self, "parallel_step", parallel_step)

    @classmethod
    def of(cls, node: StepNode) -> StepRules:
        retry, catch, timeout = (node.decorator(n) for n in ("retry", "catch", "timeout"))
        seconds = float(getattr(timeout, "seconds", 0) or 0)
        return cls(
            is_join=bool(node.is_join),
            targets=tuple(node.out_funcs),
            split_var=node.foreach_param if node.type == "foreach" else None,
            retries=int(getattr(retry, "times", 0) or 0),
            retry_delay=float(getattr(retry, "minutes_between_retries", 0) or 0) * 60.0,
            timeout=seconds or None,
            catch_var=(getattr(catch, "var", None) or "_catch_exception") if catch else None,
            switch=node.is_switch,
            parallel_foreach=node.parallel_foreach,
            parallel_step=node.parallel_step,
        )

    @property
    def hard_timeout(self) -> float | None:
        """When the executor kills a task: @timeout raises inside the step first (keeping what
        it set for @catch); this stops a step that does not return to Python in time."""
        return None if self.timeout is None else self.timeout + TIMEOUT_GRACE

    def last_attempt(self, attempt: int) -> bool:
        return attempt >= self.retries


def step_rules(graph: FlowGraph) -> dict[str, StepRules]:
    """The rules of every step of a flow."""
    return {name: StepRules.of(graph[name]) for name in graph.nodes}
