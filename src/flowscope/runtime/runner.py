"""The runner: records a run and drives it, turn by turn, until no task is left.

Each turn launches the ready tasks the executor has room for (or clones them, on resume),
flushes the journal, polls the executor for attempts that ended and records their outcomes,
flushes again, and beats the heartbeat when it is due. Where attempts execute is the
executor's business (`runtime/executor.py`); what an ended attempt means (retry, @catch,
failure), `runtime/outcomes.py`'s; what is written, the journal's (`runtime/journal.py`);
task output, the live logs' (`runtime/livelogs.py`).
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowscope.config import Settings
from flowscope.datastore import ContentStore
from flowscope.errors import (
    DataStoreError,
    ExecutorLost,
    FlowscopeError,
    MetadataError,
    RunError,
    RunInterrupted,
)
from flowscope.flow import FlowGraph
from flowscope.flow.current import ObjectOpener
from flowscope.flow.spec import warm_static
from flowscope.logs import LogRecord
from flowscope.metastore.new_records import AttemptStart, NewTask
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import ArtifactRecord
from flowscope.runtime.card_policy import warm_cards
from flowscope.runtime.console import WIDE, Console
from flowscope.runtime.executor import AttemptKey, Done, Executor, ExecutorFactory
from flowscope.runtime.gangs import Gangs, MemberEnd
from flowscope.runtime.lifecycle import (
    record_parameters,
    start_run,
    stop_run,
    store_code_and_environment,
)
from flowscope.runtime.outcomes import (
    Backlog,
    attempt_result,
    judge,
    resource_facts,
    unrecorded_error,
)
from flowscope.runtime.resume import ResumePlan
from flowscope.runtime.scheduler import FlowGraphView, Scheduler
from flowscope.runtime.spec import PARAMETERS_STEP, Parent, StepRules, TaskSpec, step_rules
from flowscope.runtime.stop import StopRequest
from flowscope.runtime.task import TaskOutcome
from flowscope.runtime.workers import ForkExecutor

if TYPE_CHECKING:
    from flowscope.flow.project import ProjectInfo


@dataclass(frozen=True)
class RunResult:
    flow_name: str
    run_id: int
    status: str

    @property
    def pathspec(self) -> str:
        return f"{self.flow_name}/{self.run_id}"


class RunDriver:
    """Records a run and drives it to its end (the `python flow.py run` engine; the public
    `flowscope.Runner` drives the command line from outside)."""

    def __init__(
        self,
        flow_cls: type,
        graph: FlowGraph,
        provider: MetadataProvider,
        settings: Settings,
        *,
        datastore: ContentStore,
        parameters: Mapping[str, Any],
        tags: tuple[str, ...] = (),
        max_workers: int = 16,
        max_num_splits: int | None = None,
        max_log_bytes: int | None = None,
        script: Path | None = None,
        console: Console | None = None,
        resume: ResumePlan | None = None,
        command_line: str | None = None,
        executor: ExecutorFactory = ForkExecutor,
        objects: ObjectOpener | None = None,
        project: ProjectInfo | None = None,
    ) -> None:
        if max_workers < 1:
            raise RunError(f"--max-workers must be at least 1, got {max_workers}.")
        self.flow_cls = flow_cls
        self.graph = graph
        self.provider = provider
        self.settings = settings
        self.store = datastore
        self.parameters = dict(parameters)
        self.tags = tags
        self.max_workers = max_workers
        self.max_num_splits = max_num_splits  # a foreach wider than this fails its task
        self.max_log_bytes = max_log_bytes  # per task and stream (--max-log-size)
        self.script = script
        self.console = console or Console()
        self.resume = resume
        self.command_line = command_line
        self.project = project  # @project: its tags go on the run, its fields on `current`
        self.executor_factory = executor
        self.objects = objects  # opens current.run / current.task (the CLI gives one)
        self.flow_name = graph.flow_name
        self.rules: dict[str, StepRules] = step_rules(graph)
        self.scheduler = Scheduler(FlowGraphView(graph))
        self.backlog = Backlog()  # ready tasks, and retries waiting for their time
        self.running: dict[AttemptKey, TaskSpec] = {}
        self.cloned: set[int] = set()
        self.gangs = Gangs()  # the tasks of @parallel steps, started and ended together
        self.step_totals: dict[str, int] = {}
        self.step_done: dict[str, int] = {}
        self.failed = False
        self.end_ok = False
        self.run_id = 0
        self.params = Parent(0, PARAMETERS_STEP, (), {})  # the run's parameters, as a task
        self.env_key: str | None = None

    # ---- the run ---------------------------------------------------------------------
    def run(self) -> RunResult:
        """Record and run the flow. Ctrl-C and SIGTERM are answered by the runner from start to
        end (a signal before the run is recorded ends it with KeyboardInterrupt, recording
        nothing); the previous handlers are back when this returns."""
        began = time.time()
        stop = StopRequest()
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            warm_static(self.flow_cls, list(self.graph.nodes))  # parsed once, inherited by forks
            warm_cards(self.flow_cls, self.rules)  # @card: the renderer and graphs, likewise
            code_key, self.env_key = store_code_and_environment(self)
            if stop.requested:
                raise KeyboardInterrupt
            return self._record_and_run(began, code_key, stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _record_and_run(self, began: float, code_key: str | None, stop: StopRequest) -> RunResult:
        parts = start_run(self, code_key)
        self.run_id = run_id = parts.record.run_id
        self.work, self.journal, self.logs = parts.work, parts.journal, parts.logs
        self.heartbeat = parts.heartbeat
        work = self.work
        origin_run_id = self.resume.origin_run_id if self.resume else None
        origin = f"{self.flow_name}/{origin_run_id}" if self.resume else None
        self.console.run_started(f"{self.flow_name}/{run_id}", self.settings.user, origin)
        executor: Executor[TaskSpec, TaskOutcome] = self.executor_factory(
            work, self.logs.line, self.max_workers
        )
        self.executor = executor
        try:
            self.params = record_parameters(self)
            for spec in self.scheduler.initial((self.params,)):
                self._enqueue(spec)
            self._loop(executor, stop)
        except KeyboardInterrupt:
            raise stop_run(self, executor, began) from None
        except ExecutorLost as exc:  # the cluster went away: what ran is kept, resume goes on
            raise stop_run(self, executor, began, lost=exc) from None
        except (MetadataError, DataStoreError) as exc:  # progress can no longer be recorded
            executor.shutdown()
            if isinstance(exc, DataStoreError):  # the metadata may still answer: say it ended
                with contextlib.suppress(FlowscopeError):
                    self.provider.finish_run(self.flow_name, run_id, "failed")
            raise self._unrecorded(exc) from exc
        except BaseException:
            executor.shutdown()  # never leave workers running unwatched
            raise
        finally:
            executor.shutdown()
            self.logs.close()
        status = "succeeded" if self.end_ok and not self.failed else "failed"
        try:
            self.provider.finish_run(self.flow_name, run_id, status)
        except MetadataError as exc:
            raise self._unrecorded(exc) from exc
        self.console.run_finished(f"{self.flow_name}/{run_id}", status, time.time() - began)
        return RunResult(self.flow_name, run_id, status)

    @property
    def resume_command(self) -> str:
        """What continues this run from the shell."""
        return f"python {self.script.name if self.script else 'flow.py'} resume {self.run_id}"

    def _unrecorded(self, exc: MetadataError | DataStoreError) -> RunError:
        return unrecorded_error(exc, f"{self.flow_name}/{self.run_id}", self.resume_command)

    def _loop(self, executor: Executor[TaskSpec, TaskOutcome], stop: StopRequest) -> None:
        in_flight = executor.in_flight()
        backlog = self.backlog
        while (backlog and not self.failed) or len(in_flight):
            if stop.requested:  # a safe point: nothing is half-recorded between two turns
                raise KeyboardInterrupt
            now = time.time()
            backlog.release(now)
            while backlog.ready and not self.failed and len(in_flight) < executor.capacity:
                spec = backlog.ready.popleft()
                if spec.gang:
                    if not self._start_gang(executor, spec, len(in_flight)):
                        break
                elif not self._clone(spec):
                    self._launch(executor, spec)
            wait, due = 0.5, backlog.wait(now)
            if due is not None and not len(in_flight):
                wait = due
            with stop.waiting():  # a stop request interrupts these at once
                self.journal.flush()
                ended = executor.poll(min(wait, self.heartbeat.wait()))
            for done in ended:
                self._finished(done)
            with stop.waiting():
                self.journal.flush()
                self.heartbeat.beat_if_due(in_flight)
            in_flight = executor.in_flight()

    # ---- scheduling ------------------------------------------------------------------
    def _enqueue(self, spec: TaskSpec, may_clone: bool = True) -> None:
        self.step_totals[spec.step] = self.step_totals.get(spec.step, 0) + 1
        self.backlog.ready.append(spec)
        origin = None
        if self.resume is not None and may_clone:
            origin = self.resume.origin_pathspec(spec, self._inputs_cloned(spec))
        self.journal.tasks.append(
            NewTask(
                step_name=spec.step,
                task_id=spec.task_id,
                foreach_index=spec.foreach_index,
                foreach_stack=tuple(f.to_json() for f in spec.stack),
                origin_pathspec=origin,
            )
        )

    def _inputs_cloned(self, spec: TaskSpec) -> bool:
        return all(p.task_id in self.cloned for p in spec.inputs)

    def _wide(self, step: str) -> bool:
        return self.step_totals.get(step, 0) > WIDE

    def _pathspec(self, spec: TaskSpec) -> str:
        return spec.pathspec(self.flow_name, self.run_id)

    def _launch(self, executor: Executor[TaskSpec, TaskOutcome], spec: TaskSpec) -> None:
        key = (spec.task_id, spec.attempt)
        self.logs.begin(key, self._pathspec(spec))
        executor.submit(key, spec, self.rules[spec.step].hard_timeout)
        self.running[key] = spec
        self.journal.starts.append(AttemptStart(spec.task_id, spec.attempt, time.time()))
        self.console.task_started(self._pathspec(spec), spec.attempt, self._wide(spec.step))

    def _start_gang(
        self, executor: Executor[TaskSpec, TaskOutcome], first: TaskSpec, busy: int
    ) -> bool:
        """Start (or, on resume, clone) every task of `first`'s gang at once. A gang waits
        until it fits beside what runs, or until nothing runs when it is wider than
        --max-workers; False (and the gang back at the head of the queue) when it waits."""
        members = self.gangs.take(self.backlog.ready, first)
        if busy and busy + len(members) > executor.capacity:
            self.backlog.ready.extendleft(reversed(members))
            return False
        if self._gang_clones(members):
            for member in members:
                self._clone(member)
            return True
        self.gangs.reset(first)
        for member in members:
            self._launch(executor, member)
        return True

    def _gang_clones(self, members: list[TaskSpec]) -> bool:
        """Resume clones a gang only whole: when every member of it succeeded before."""
        resume = self.resume
        return resume is not None and all(
            self._inputs_cloned(m) and resume.find(m) is not None for m in members
        )

    def _clone(self, spec: TaskSpec) -> bool:
        """Resume: reuse the origin run's successful task instead of running it again."""
        if self.resume is None or not self._inputs_cloned(spec):
            return False
        origin = self.resume.find(spec)
        if origin is None:
            return False
        cloned = self.resume.clone(spec.task_id, origin, self.graph[spec.step])
        if cloned is None:  # a switch whose recorded case is no longer one: run it again
            return False
        result, count, case = cloned
        self.cloned.add(spec.task_id)
        self.journal.starts.append(AttemptStart(spec.task_id, 0))
        self.journal.results.append(result)
        self.console.task_cloned(self._pathspec(spec), origin.pathspec, self._wide(spec.step))
        values = None if count is None else ("",) * count
        self._succeeded(spec, list(result.artifacts), values, case)
        return True

    # ---- outcomes (judged in runtime/outcomes.py) -------------------------------------
    def _finished(self, done: Done[TaskOutcome]) -> None:
        spec = self.running.pop(done.key)
        rules = self.rules[spec.step]
        verdict = judge(done, spec, rules, self.work, self.gangs, list(self.params.index.values()))
        if verdict.note is not None:  # said where the user looks: the task's stderr too
            self.logs.line(done.key, "stderr", LogRecord(time.time(), verdict.note))
        pathspec = self._pathspec(spec)
        logs = self.logs.end(done.key)
        resources = resource_facts(self.flow_cls, spec.step)
        self.journal.results.append(
            attempt_result(spec, verdict, done, logs, self.env_key, resources)
        )
        self.console.task_finished(
            pathspec, verdict.status, time.time() - done.started, self._wide(spec.step)
        )
        outcome = verdict.outcome
        if verdict.next == "gang":
            end = MemberEnd(spec, verdict.good, verdict.artifacts, pathspec, verdict.message)
            self._gang_member_ended(end, rules.last_attempt(spec.attempt))
        elif verdict.next == "succeed":
            self._succeeded(spec, verdict.artifacts, outcome.foreach_values, outcome.case)
        elif verdict.next == "retry":
            self.backlog.retry([spec.retry()], rules.retry_delay)
        else:
            self._failed(pathspec, verdict.message)

    def _failed(self, pathspec: str, message: str) -> None:
        self.failed = True
        self.console.note(
            f"Task {pathspec} failed: {message}\nFix it and continue with: {self.resume_command}"
        )

    def _gang_member_ended(self, end: MemberEnd, last: bool) -> None:
        """A task of a gang ended: stop the others if it failed; once all have ended, go on,
        retry the whole gang, or fail the run (runtime/gangs.py)."""
        cancel, ends = self.gangs.ended(end)
        for task_id in cancel:
            self.executor.cancel((task_id, end.spec.attempt))
        if ends is None:
            return
        failed = next((e for e in ends if not e.good), None)
        if failed is None:
            for member in ends:
                self._succeeded(member.spec, member.artifacts, None)
        elif not last:
            self.backlog.retry(
                [e.spec.retry() for e in ends], self.rules[end.spec.step].retry_delay
            )
        else:
            first = self.gangs.failure(end.spec) or failed
            self._failed(first.pathspec, f"{first.message} (its @parallel gang failed)")

    def _succeeded(
        self,
        spec: TaskSpec,
        artifacts: list[ArtifactRecord],
        foreach_values: tuple[str, ...] | None,
        case: str | int | None = None,
    ) -> None:
        step = spec.step
        self.step_done[step] = self.step_done.get(step, 0) + 1
        if self._wide(step):
            self.console.progress(step, self.step_done[step], self.step_totals[step])
        if step == "end":
            self.end_ok = True
        index = {a.name: a for a in artifacts}
        children = self.scheduler.finished(spec, index, foreach_values, case)
        whole = True
        if self.rules[step].parallel_foreach:
            children = self.gangs.form(children)
            whole = self._gang_clones(children)
        for child in children:
            self._enqueue(child, whole)


__all__ = ["RunDriver", "RunInterrupted", "RunResult"]
