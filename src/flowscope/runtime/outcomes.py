"""What happens when an attempt ends: its outcome judged (a worker that gave none, @catch
standing in, @retry, a failure that ends the run), the record written for it, the queue of
attempts waiting for their retry time, and what the run says when it stops early.

Values in, values out: the runner (runtime/runner.py) applies the verdict to its state.
"""

from __future__ import annotations

import heapq
import time
from collections import deque
from typing import Literal

from flowscope.errors import (
    DataStoreError,
    ExecutorLost,
    MetadataError,
    RunError,
    RunInterrupted,
    StoreVanished,
)
from flowscope.flow.resources import RESOURCES_FACT, declared_resources
from flowscope.frozen import Frozen, init
from flowscope.metastore.new_records import AttemptResult
from flowscope.metastore.records import ArtifactRecord, Fact
from flowscope.runtime.executor import CANCELLED, Done
from flowscope.runtime.gangs import Gangs
from flowscope.runtime.journal import attempt_facts
from flowscope.runtime.resume import case_facts
from flowscope.runtime.spec import StepRules, TaskSpec
from flowscope.runtime.task import (
    RunWork,
    TaskOutcome,
    caught_outcome_without_process,
    crash_info,
    interrupted_info,
)

Next = Literal["succeed", "retry", "fail", "gang"]


class Verdict(Frozen):
    """An attempt's end, judged: the outcome (made up when the worker gave none), the
    artifacts the task keeps, what the console says, and what the run does next."""

    __slots__ = ("outcome", "artifacts", "status", "next", "message", "note")
    outcome: TaskOutcome
    artifacts: list[ArtifactRecord]
    status: str
    next: Next
    message: str  # why it failed (for "fail", and a gang member that failed)
    note: str | None  # a line for the task's stderr: why the worker gave no outcome

    def __init__(
        self,
        outcome: TaskOutcome,
        artifacts: list[ArtifactRecord],
        status: str,
        next: Next,
        message: str = "",
        note: str | None = None,
    ) -> None:
        init(self, "outcome", outcome)
        init(self, "artifacts", artifacts)
        init(self, "status", status)
        init(self, "next", next)
        init(self, "message", message)
        init(self, "note", note)

    @property
    def good(self) -> bool:
        return self.outcome.ok or self.outcome.handled


def judge(
    done: Done[TaskOutcome],
    spec: TaskSpec,
    rules: StepRules,
    work: RunWork,
    gangs: Gangs,
    parameters: list[ArtifactRecord],
) -> Verdict:
    """Judge how `spec`'s attempt ended: @catch on its last attempt stands in for a crash,
    a retry follows a failure while attempts are left, and the run's parameters join the
    artifacts of every task that succeeded (or was handled)."""
    last = rules.last_attempt(spec.attempt)
    outcome, note = done.outcome, None
    if outcome is None:
        info = crash_info(done.failure or "the worker ended without a result", spec, rules)
        stopped_by = gangs.failure(spec) if spec.gang else None
        if stopped_by is not None and done.failure == CANCELLED:
            info["message"] = (
                f"step '{spec.step}' was stopped: {stopped_by.pathspec} of its @parallel "
                f"gang failed"
            )
        note = f"flowscope: {info['message']}"
        if rules.catch_var is not None and last:
            outcome = caught_outcome_without_process(work, spec, info)
        else:
            outcome = TaskOutcome(ok=False, exception=info)
    artifacts = list(outcome.artifacts)
    if outcome.ok or outcome.handled:
        artifacts = with_parameters(artifacts, parameters)
    status = "handled by @catch" if outcome.handled else ("succeeded" if outcome.ok else "failed")
    message = (outcome.exception or {}).get("message", "")
    next_: Next
    if spec.gang:
        next_, message = "gang", "" if outcome.ok or outcome.handled else message
    elif outcome.ok or (outcome.handled and rules.split_var is None and not rules.switch):
        next_ = "succeed"
    elif not last:
        next_ = "retry"
    else:
        next_ = "fail"
        if outcome.handled and rules.switch:
            message += " (@catch cannot stand in for a switch: no case was chosen)"
    return Verdict(outcome, artifacts, status, next_, message, note)


def attempt_result(
    spec: TaskSpec,
    verdict: Verdict,
    done: Done[TaskOutcome],
    logs: tuple[str | None, str | None],
    env_key: str | None,
    resources: tuple[Fact, ...],
) -> AttemptResult:
    """The record of an attempt that ended (`logs`: the stdout and stderr keys)."""
    outcome = verdict.outcome
    facts = attempt_facts(spec.attempt, done.placement, outcome.foreach_count, outcome.handled)
    return AttemptResult(
        spec.task_id,
        spec.attempt,
        "succeeded" if outcome.ok else "failed",
        finished_at=time.time(),
        artifacts=tuple(verdict.artifacts),
        facts=facts + resources + case_facts(outcome.case) + outcome.facts,
        stdout_key=logs[0],
        stderr_key=logs[1],
        env_key=env_key,
        exception=outcome.exception,
        input=outcome.input_scalar,
        blob_keys=outcome.blob_keys,
    )


def interrupted_result(
    spec: TaskSpec, logs: tuple[str | None, str | None], env_key: str | None
) -> AttemptResult:
    """The record of an attempt ended by Ctrl-C, SIGTERM or the executor's loss."""
    return AttemptResult(
        spec.task_id,
        spec.attempt,
        "failed",
        finished_at=time.time(),
        stdout_key=logs[0],
        stderr_key=logs[1],
        env_key=env_key,
        exception=interrupted_info(),
    )


def resource_facts(flow_cls: type, step: str) -> tuple[Fact, ...]:
    """@resources: the request, recorded with each attempt (a placing executor honours it)."""
    requested = declared_resources(flow_cls, step)
    return () if requested is None else (Fact(RESOURCES_FACT, requested.to_json(), "json"),)


def with_parameters(
    artifacts: list[ArtifactRecord], parameters: list[ArtifactRecord]
) -> list[ArtifactRecord]:
    """`artifacts` with the run's parameters a task did not set itself, sorted by name."""
    names = {a.name for a in artifacts}
    extra = [r for r in parameters if r.name not in names]
    return sorted(artifacts + extra, key=lambda a: a.name) if extra else artifacts


class Backlog:
    """The tasks to launch: those ready now, in order, and the retries waiting for their
    time (@retry's delay)."""

    def __init__(self) -> None:
        self.ready: deque[TaskSpec] = deque()
        self.delayed: list[tuple[float, int, TaskSpec]] = []

    def __bool__(self) -> bool:
        return bool(self.ready or self.delayed)

    def retry(self, retries: list[TaskSpec], delay: float) -> None:
        """Queue `retries` (a task's next attempt, or a whole gang's) after `delay` s, at one
        time for all, so that a gang becomes ready as a whole."""
        due = time.time() + delay
        for retry in retries:
            if delay > 0:
                heapq.heappush(self.delayed, (due, retry.task_id, retry))
            else:
                self.ready.append(retry)

    def release(self, now: float) -> None:
        """Move the retries whose time has come to the ready queue."""
        while self.delayed and self.delayed[0][0] <= now:
            self.ready.append(heapq.heappop(self.delayed)[2])

    def wait(self, now: float) -> float | None:
        """Seconds until the next retry is due (None: none waits)."""
        return max(0.0, self.delayed[0][0] - now) if self.delayed else None


def stopped_error(
    pathspec: str,
    hint: str,
    lost: ExecutorLost | None,
    *,
    unrecorded: MetadataError | None = None,
    unfinished: MetadataError | None = None,
) -> RunError:
    """The error for a run stopped early: interrupted (Ctrl-C, SIGTERM), or its executor
    `lost`; `unrecorded` when its last results were refused, `unfinished` when its end was."""
    what = "was interrupted" if lost is None else f"stopped: {lost}"
    error = RunInterrupted if lost is None else ExecutorLost
    if unfinished is not None:
        return error(f"Run {pathspec} {what}; its end could not be recorded ({unfinished}). {hint}")
    why = "" if unrecorded is None else f" (its last results could not be recorded: {unrecorded})"
    if lost is None:
        return RunInterrupted(
            f"Run {pathspec} was interrupted and is recorded as failed{why}. {hint}"
        )
    return ExecutorLost(f"Run {pathspec} {what}; it is recorded as failed{why}. {hint}")


def unrecorded_error(
    exc: MetadataError | DataStoreError, pathspec: str, resume_command: str
) -> RunError:
    """The error for a run whose progress could not be recorded. Nothing more is written
    (the store is not answering, or is full): the run stays `running` until its heartbeat
    is stale, then reads as `lost`, and what was recorded before stays true."""
    if isinstance(exc, StoreVanished):  # nothing left to resume from: say so instead
        return RunError(
            f"Run {pathspec} stopped: {exc} Its workers were ended; "
            f"run the flow again to record it anew."
        )
    which = "metadata store answers" if isinstance(exc, MetadataError) else "datastore takes writes"
    return RunError(
        f"Run {pathspec} stopped: its progress could not be recorded ({exc}). Its workers "
        f"were ended. Once the {which} again, continue it with: {resume_command}"
    )


__all__ = [
    "Backlog",
    "Verdict",
    "attempt_result",
    "interrupted_result",
    "judge",
    "resource_facts",
    "stopped_error",
    "unrecorded_error",
    "with_parameters",
]
