"""One attempt of one task, executed inside its worker process.

`execute` binds a fresh flow instance to its inputs, calls the step, and stores what the
step left on `self`. It never raises: the outcome, good or bad, is a `TaskOutcome` that the
worker sends back to the runner.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowscope.datastore import ContentStore
from flowscope.flow import ForeachFrame, Inputs, current, foreach_items
from flowscope.metastore.records import ArtifactRecord
from flowscope.metastore.scalars import scalar_text
from flowscope.runtime.artifacts import TaskArtifacts, save_outputs
from flowscope.runtime.scheduler import Stack, TaskSpec


@dataclass(frozen=True)
class RunContext:
    flow_name: str
    run_id: int
    user: str
    tags: tuple[str, ...]
    namespace: str
    origin_run_id: int | None
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to run one attempt; built by the runner before the fork."""

    task_id: int
    attempt: int
    spec: TaskSpec
    join_step_names: tuple[str, ...]  # the step of each input, for joins
    input_stacks: tuple[Stack, ...]  # the split stack of each input, for joins
    inputs: tuple[TaskArtifacts, ...]
    is_join: bool
    last_attempt: bool
    catch_var: str | None
    expected_targets: tuple[str, ...]
    foreach_var: str | None  # set when this step is a foreach split


@dataclass
class TaskOutcome:
    ok: bool
    artifacts: list[ArtifactRecord] = field(default_factory=list)
    foreach_count: int | None = None
    exception: dict[str, Any] | None = None
    handled: bool = False  # failed, but a catch decorator let the flow go on
    input_scalar: str | None = None  # the foreach input, for the query index (JSON text)


_PACKAGE_DIR = __file__.rsplit("/runtime/", 1)[0]


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """Type, message and traceback; the traceback shows the user's frames, not flowscope's."""
    kind = type(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not f.filename.startswith(_PACKAGE_DIR)]
    lines = ["Traceback (most recent call last):\n"] if mine else []
    lines += traceback.format_list(mine or frames[-1:])
    lines += traceback.format_exception_only(kind, exc)
    return {
        "type": kind.__name__,
        "module": kind.__module__,
        "message": str(exc),
        "traceback": "".join(lines),
    }


class CaughtException:
    """What a catch decorator stores: the failure, readable without the failing code."""

    def __init__(self, info: Mapping[str, Any]) -> None:
        self.type = str(info.get("type", "Exception"))
        self.message = str(info.get("message", ""))
        self.traceback = str(info.get("traceback", ""))

    def __repr__(self) -> str:
        return f"CaughtException({self.type}: {self.message})"

    __str__ = __repr__


def _foreach_frames(stack: Stack) -> tuple[ForeachFrame, ...]:
    return tuple(ForeachFrame(f.step, "", f.index, f.count, "") for f in stack if f.foreach)


def _input_item(job: Job) -> Any:
    """The foreach item of this task: element `index` of the parent's foreach artifact."""
    var = job.spec.foreach_var
    frame = job.spec.stack[-1]
    items = job.inputs[0].load(var) if var else None
    try:
        return items[frame.index]  # type: ignore[index]
    except TypeError:
        for i, item in enumerate(items):  # type: ignore[arg-type]
            if i == frame.index:
                return item
    raise IndexError(f"foreach item {frame.index} of '{var}' is missing")


def execute(flow_cls: type, job: Job, ctx: RunContext, store: ContentStore) -> TaskOutcome:
    """Run the step; store its artifacts; report what happened."""
    step = job.spec.step
    pathspec = f"{ctx.flow_name}/{ctx.run_id}/{step}/{job.task_id}"
    current._bind(
        flow_name=ctx.flow_name,
        run_id=str(ctx.run_id),
        step_name=step,
        task_id=str(job.task_id),
        pathspec=pathspec,
        retry_count=job.attempt,
        username=ctx.user,
        namespace=ctx.namespace,
        tags=ctx.tags,
        origin_run_id=None if ctx.origin_run_id is None else str(ctx.origin_run_id),
        is_running_flow=True,
    )
    flow = flow_cls(use_cli=False)
    known = {r.sha: r for source in job.inputs for r in source.index.values()}
    input_scalar: str | None = None
    try:
        frames = _foreach_frames(job.spec.stack)
        if job.is_join:
            bound = []
            for name, parent, stack in zip(
                job.join_step_names, job.inputs, job.input_stacks, strict=True
            ):
                child = flow_cls(use_cli=False)
                child._fs_bind(
                    name, parent, foreach_stack=_foreach_frames(stack), parameters=ctx.parameters
                )
                bound.append(child)
            flow._fs_bind(step, None, foreach_stack=frames, parameters=ctx.parameters)
            getattr(flow, step)(Inputs(bound))
        else:
            source: TaskArtifacts | None = job.inputs[0] if job.inputs else None
            kwargs: dict[str, Any] = {"foreach_stack": frames, "parameters": ctx.parameters}
            if job.spec.foreach_var is not None:
                kwargs["input"] = item = _input_item(job)
                input_scalar = scalar_text(item)
                kwargs["index"] = job.spec.stack[-1].index
            flow._fs_bind(step, source, **kwargs)
            getattr(flow, step)()
        transition = flow._fs_transition()
        if step != "end":
            _check_transition(step, transition, job)
        count = None
        if job.foreach_var is not None:
            count = len(foreach_items(flow, job.foreach_var))
        values, passthrough = flow._fs_outputs()
        records = save_outputs(store, values, passthrough, known, step)
        return TaskOutcome(
            ok=True, artifacts=records, foreach_count=count, input_scalar=input_scalar
        )
    except BaseException as exc:  # the step's failure is the task's outcome, whatever it is
        info = describe_exception(exc)
        if isinstance(exc, SystemExit):
            info["message"] = f"the step called sys.exit({exc.code!r})"
        print(info["traceback"], file=sys.stderr, end="")
        if job.catch_var is not None and job.last_attempt:
            return _caught(flow, job, info, known, store)
        return TaskOutcome(ok=False, exception=info)
    finally:
        current._clear()


def _check_transition(step: str, transition: Any, job: Job) -> None:
    from flowscope.errors import FlowDefinitionError

    if transition is None:
        raise FlowDefinitionError(f"Step '{step}' finished without calling self.next(...).")
    if tuple(transition.targets) != job.expected_targets:
        raise FlowDefinitionError(
            f"Step '{step}' called self.next({', '.join(transition.targets)}) but the flow graph "
            f"says it goes to {', '.join(job.expected_targets)}."
        )


def _caught(
    flow: Any,
    job: Job,
    info: dict[str, Any],
    known: Mapping[str, ArtifactRecord],
    store: ContentStore,
) -> TaskOutcome:
    """A catch decorator turns the failure into an artifact and lets the flow go on."""
    try:
        values, passthrough = flow._fs_outputs()
    except BaseException:
        values, passthrough = {}, {}
    if not passthrough and not values and job.inputs and not job.is_join:
        passthrough = {name: job.inputs[0].sha(name) for name in job.inputs[0].names()}
    values = dict(values)
    assert job.catch_var is not None
    values[job.catch_var] = CaughtException(info)
    records = save_outputs(store, values, passthrough, known, job.spec.step)
    return TaskOutcome(ok=False, artifacts=records, exception=info, handled=True)


def caught_outcome_without_process(
    job: Job, info: dict[str, Any], store: ContentStore
) -> TaskOutcome:
    """For a worker that died outright (signal, timeout): the catch fallback, built outside."""
    known = {r.sha: r for source in job.inputs for r in source.index.values()}
    passthrough: dict[str, str] = {}
    if job.inputs and not job.is_join:
        passthrough = {name: job.inputs[0].sha(name) for name in job.inputs[0].names()}
    assert job.catch_var is not None
    records = save_outputs(
        store, {job.catch_var: CaughtException(info)}, passthrough, known, job.spec.step
    )
    return TaskOutcome(ok=False, artifacts=records, exception=info, handled=True)
