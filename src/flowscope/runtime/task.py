"""One attempt of one task, executed where the executor runs it (a forked worker, locally).

`RunWork` is the work an executor calls with each `TaskSpec`: it binds a fresh flow instance
to the task's parents, calls the step, and stores what the step left on `self`. It never
raises: the outcome, good or bad, is a `TaskOutcome` that goes back to the runner.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowscope.datastore import ContentStore
from flowscope.flow import ForeachFrame, Inputs, current, foreach_items
from flowscope.flow.current import ObjectOpener, Parallel
from flowscope.flow.environment import applied, task_environment
from flowscope.flow.gang import MAIN_IP, PARALLEL_VAR
from flowscope.flow.user_decorators import call_step
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.metastore.scalars import scalar_text
from flowscope.runtime.artifacts import ParentArtifacts, save_outputs
from flowscope.runtime.card_policy import CardPolicy, begin_cards
from flowscope.runtime.executor import TIMEOUT
from flowscope.runtime.spec import Parent, Stack, StepRules, TaskSpec

if TYPE_CHECKING:
    from flowscope.flow.project import ProjectInfo


@dataclass(frozen=True)
class RunWork:
    """What every task of one run shares, and the function an executor calls per attempt.

    Everything here is a value sent once per run; only `flow_cls` and `store` are live
    objects, which a remote executor rebuilds on its workers (the flow from the run's code
    package, the store from its address)."""

    flow_cls: type
    store: ContentStore
    flow_name: str
    run_id: int
    user: str
    tags: tuple[str, ...]
    origin_run_id: int | None
    parameters: Mapping[str, Any]
    rules: Mapping[str, StepRules]
    project: ProjectInfo | None = None  # @project: the run's project and branch
    cards: CardPolicy = CardPolicy()  # @card: render timeout, size limit, live refreshes
    objects: ObjectOpener | None = None  # opens current.run / current.task
    parameter_names: tuple[str, ...] = ()
    code_key: str | None = None  # the run's code package in the store (what remote workers load)
    max_num_splits: int | None = None  # --max-num-splits: a wider foreach fails its task

    def __call__(self, spec: TaskSpec) -> TaskOutcome:
        return execute(self, spec)

    def artifacts(self, parent: Parent) -> ParentArtifacts:
        pathspec = f"{self.flow_name}/{self.run_id}/{parent.step}/{parent.task_id}"
        return ParentArtifacts(pathspec, parent.index, self.store)


@dataclass
class TaskOutcome:
    ok: bool
    artifacts: list[ArtifactRecord] = field(default_factory=list)
    foreach_values: tuple[str, ...] | None = None  # a foreach split: a short repr per item
    exception: dict[str, Any] | None = None
    handled: bool = False  # failed, but a catch decorator let the flow go on
    input_scalar: str | None = None  # the foreach input, for the query index (JSON text)
    case: str | int | None = None  # a switch: the key its condition selected
    facts: tuple[Fact, ...] = ()  # recorded with the attempt (e.g. its cards)
    blob_keys: tuple[str, ...] = ()  # blobs it wrote that no other field names (its cards)

    @property
    def foreach_count(self) -> int | None:
        return None if self.foreach_values is None else len(self.foreach_values)


_PACKAGE_DIR = __file__.rsplit("/runtime/", 1)[0]


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """Type, message and traceback; the traceback shows the user's frames, not flowscope's."""
    kind = type(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not f.filename.startswith(_PACKAGE_DIR)]
    lines = ["Traceback (most recent call last):\n"] if mine else []
    lines += traceback.format_list(mine)  # none: a check of flowscope's own, its message alone
    lines += traceback.format_exception_only(kind, exc)
    return {
        "type": kind.__name__,
        "module": kind.__module__,
        "message": str(exc),
        "traceback": "".join(lines),
    }


class CaughtException:
    """What a catch decorator stores: the failure, readable without the failing code.

    As in the family: `type` names the class as 'module.Class' (e.g. 'builtins.KeyError'),
    `exception` is the message and `stacktrace` the traceback. Also `message` and
    `traceback` (the same two texts), `class_name` ('KeyError') and `module` ('builtins')."""

    def __init__(self, info: Mapping[str, Any]) -> None:
        self.class_name = str(info.get("type", "Exception"))
        self.module = str(info.get("module", "builtins"))
        self.type = f"{self.module}.{self.class_name}" if self.module else self.class_name
        self.message = str(info.get("message", ""))
        self.traceback = str(info.get("traceback", ""))

    @property
    def exception(self) -> str:
        """The exception's message (the family's name for it)."""
        return self.message

    @property
    def stacktrace(self) -> str:
        """The formatted traceback (the family's name for it)."""
        return self.traceback

    def __repr__(self) -> str:
        return f"CaughtException({self.type}: {self.message})"

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


def _foreach_frames(stack: Stack) -> tuple[ForeachFrame, ...]:
    return tuple(
        ForeachFrame(f.step, f.var, f.index, f.count, f.value_repr) for f in stack if f.foreach
    )


def _input_item(items: Any, spec: TaskSpec) -> Any:
    """The foreach item of this task: element `index` of the parent's foreach artifact."""
    frame = spec.stack[-1]
    try:
        return items[frame.index]
    except TypeError:
        for i, item in enumerate(items):
            if i == frame.index:
                return item
    raise IndexError(f"foreach item {frame.index} of '{spec.foreach_var}' is missing")


def _bind_current(work: RunWork, spec: TaskSpec) -> None:
    current._bind(
        flow_name=work.flow_name,
        run_id=str(work.run_id),
        step_name=spec.step,
        task_id=str(spec.task_id),
        pathspec=spec.pathspec(work.flow_name, work.run_id),
        retry_count=spec.attempt,
        username=work.user,
        namespace=f"user:{work.user}",
        tags=work.tags,
        origin_run_id=None if work.origin_run_id is None else str(work.origin_run_id),
        is_running_flow=True,
        parameter_names=work.parameter_names,
        flow_cls=work.flow_cls,
        objects=work.objects,
        parallel=None
        if not spec.gang
        else Parallel(MAIN_IP, len(spec.gang), spec.node_index, str(spec.gang[0])),
        project=work.project,
    )


def gang_variables(spec: TaskSpec) -> dict[str, str]:
    """MF_PARALLEL_* for a task of a @parallel gang, as current.parallel has them."""
    return {
        "MF_PARALLEL_MAIN_IP": MAIN_IP,
        "MF_PARALLEL_NUM_NODES": str(len(spec.gang)),
        "MF_PARALLEL_NODE_INDEX": str(spec.node_index),
        "MF_PARALLEL_CONTROL_TASK_ID": str(spec.gang[0]),
    }


def timeout_message(step: str, seconds: float | None) -> str:
    return f"step '{step}' exceeded its @timeout of {seconds or 0:g} seconds and was stopped"


@contextlib.contextmanager
def time_limit(step: str, seconds: float | None) -> Iterator[None]:
    """Raise TimeoutError inside the step once it has run `seconds` (@timeout), so that what
    it set before stays for @catch to keep, as in the family. Only the main thread of a
    process can take the alarm; elsewhere the executor's hard limit is the only one."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(timeout_message(step, seconds))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def execute(work: RunWork, spec: TaskSpec) -> TaskOutcome:
    """Run the step; store its artifacts and its cards (@card); report what happened."""
    cards = begin_cards(work, spec)  # None, with the card runtime never loaded, without @card
    outcome = _execute(work, spec)
    return outcome if cards is None else cards.finish(outcome)


def _execute(work: RunWork, spec: TaskSpec) -> TaskOutcome:
    step, rules, store = spec.step, work.rules[spec.step], work.store
    _bind_current(work, spec)
    flow = work.flow_cls(use_cli=False)
    sources = [work.artifacts(parent) for parent in spec.inputs]
    known = {r.sha: r for parent in spec.inputs for r in parent.index.values()}
    input_scalar: str | None = None
    try:
        frames = _foreach_frames(spec.stack)
        variables = task_environment(work.flow_cls, step)  # @environment, @secrets: this task
        if spec.gang:  # the family's variables for code that reads its gang from the environment
            variables = {**gang_variables(spec), **variables}
        if rules.is_join:
            bound = []
            for parent, parent_source in zip(spec.inputs, sources, strict=True):
                child = work.flow_cls(use_cli=False)
                child._fs_bind(
                    parent.step,
                    parent_source,
                    foreach_stack=_foreach_frames(parent.stack),
                    parameters=work.parameters,
                )
                bound.append(child)
            flow._fs_bind(step, None, foreach_stack=frames, parameters=work.parameters)
            with applied(variables), time_limit(step, rules.timeout):
                call_step(flow, step, Inputs(bound))
        else:
            source: ParentArtifacts | None = sources[0] if sources else None
            kwargs: dict[str, Any] = {"foreach_stack": frames, "parameters": work.parameters}
            if spec.foreach_var == PARALLEL_VAR:  # a node of a gang: its input is its index
                kwargs["input"], kwargs["index"] = spec.node_index, spec.node_index
            elif spec.foreach_var is not None and source is not None:
                item = _input_item(source.load(spec.foreach_var), spec)
                kwargs["input"], kwargs["index"] = item, spec.stack[-1].index
                input_scalar = scalar_text(item)
                if not frames[-1].value_repr:  # the children of a split cloned by resume
                    last = frames[-1]
                    frames = frames[:-1] + (
                        ForeachFrame.for_item(
                            last.step, last.var, last.index, last.num_splits, item
                        ),
                    )
                    kwargs["foreach_stack"] = frames
            flow._fs_bind(step, source, **kwargs)
            with applied(variables), time_limit(step, rules.timeout):
                call_step(flow, step)
        transition = flow._fs_transition()
        if step != "end":
            _check_transition(step, transition, rules)
        reprs = None
        if rules.parallel_foreach:
            items: list[Any] = list(range(transition.num_parallel or 1))
        elif rules.split_var is not None:
            items = foreach_items(flow, rules.split_var)
        if rules.split_var is not None:
            n = len(items)
            _check_splits(step, rules.split_var, n, work.max_num_splits)
            reprs = tuple(
                ForeachFrame.for_item(step, rules.split_var, i, n, x).value_repr
                for i, x in enumerate(items)
            )
        values, passthrough = flow._fs_outputs()
        records = save_outputs(store, values, passthrough, known, step)
        case = transition.case if rules.switch and transition is not None else None
        return TaskOutcome(
            ok=True,
            artifacts=records,
            foreach_values=reprs,
            case=case,
            input_scalar=input_scalar,
        )
    except BaseException as exc:  # the step's failure is the task's outcome, whatever it is
        info = describe_exception(exc)
        if isinstance(exc, SystemExit):
            info["message"] = f"the step called sys.exit({exc.code!r})"
        print(info["traceback"], file=sys.stderr, end="")
        if rules.catch_var is not None and rules.last_attempt(spec.attempt):
            return _caught(flow, spec, rules, sources, info, known, store)
        return TaskOutcome(ok=False, exception=info)
    finally:
        current._clear()


def _check_splits(step: str, var: str, n: int, limit: int | None) -> None:
    if limit is not None and n > limit:
        from flowscope.errors import RunError

        raise RunError(
            f"Step '{step}' splits into {n} tasks over '{var}', more than --max-num-splits "
            f"{limit} allows. Run again with --max-num-splits {n} (or more) if that many is "
            f"intended."
        )


def _check_transition(step: str, transition: Any, rules: StepRules) -> None:
    from flowscope.errors import FlowDefinitionError

    if transition is None:
        raise FlowDefinitionError(f"Step '{step}' finished without calling self.next(...).")
    if rules.switch and transition.condition is not None:
        if len(transition.targets) == 1 and transition.targets[0] in rules.targets:
            return
    if tuple(transition.targets) != rules.targets:
        raise FlowDefinitionError(
            f"Step '{step}' called self.next({', '.join(transition.targets)}) but the flow graph "
            f"says it goes to {', '.join(rules.targets)}."
        )


def _passed_on(rules: StepRules, sources: list[ParentArtifacts]) -> dict[str, str]:
    """What a failed non-join task hands on unchanged: its parent's artifacts."""
    if not sources or rules.is_join:
        return {}
    return {name: sources[0].sha(name) for name in sources[0].names()}


def _caught(
    flow: Any,
    spec: TaskSpec,
    rules: StepRules,
    sources: list[ParentArtifacts],
    info: dict[str, Any],
    known: Mapping[str, ArtifactRecord],
    store: ContentStore,
) -> TaskOutcome:
    """A catch decorator turns the failure into an artifact and lets the flow go on."""
    try:
        values, passthrough = flow._fs_outputs()
    except BaseException:
        values, passthrough = {}, {}
    if not passthrough and not values:
        passthrough = _passed_on(rules, sources)
    values = dict(values)
    assert rules.catch_var is not None
    values[rules.catch_var] = CaughtException(info)
    records = save_outputs(store, values, passthrough, known, spec.step)
    return TaskOutcome(ok=False, artifacts=records, exception=info, handled=True)


def caught_outcome_without_process(
    work: RunWork, spec: TaskSpec, info: dict[str, Any]
) -> TaskOutcome:
    """For a worker that died outright (signal, timeout): the catch fallback, built outside."""
    rules = work.rules[spec.step]
    assert rules.catch_var is not None
    known = {r.sha: r for parent in spec.inputs for r in parent.index.values()}
    sources = [work.artifacts(parent) for parent in spec.inputs]
    records = save_outputs(
        work.store,
        {rules.catch_var: CaughtException(info)},
        _passed_on(rules, sources),
        known,
        spec.step,
    )
    return TaskOutcome(ok=False, artifacts=records, exception=info, handled=True)


def crash_info(failure: str, spec: TaskSpec, rules: StepRules) -> dict[str, Any]:
    """The exception recorded for an attempt that ended without an outcome."""
    if failure == TIMEOUT:
        return {
            "type": "TimeoutError",
            "module": "builtins",
            "message": timeout_message(spec.step, rules.timeout),
            "traceback": "",
        }
    return {
        "type": "WorkerCrashed",
        "module": "flowscope",
        "message": f"step '{spec.step}' did not finish: {failure}",
        "traceback": "",
    }


def interrupted_info() -> dict[str, Any]:
    """The exception recorded for an attempt ended because the run was interrupted."""
    return {
        "type": "KeyboardInterrupt",
        "module": "builtins",
        "message": "the run was interrupted",
        "traceback": "",
    }
