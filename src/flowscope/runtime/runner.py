"""The runner: records a run, schedules its tasks onto workers, and records every outcome.

It is the only writer of the run's metadata. Writes are batched once per turn of the loop
(new tasks, started attempts, finished attempts), so a thousand-way foreach costs a handful
of store transactions, not thousands.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowscope.config import Settings
from flowscope.datastore import ContentStore, save_artifact
from flowscope.errors import MetadataError, RunError
from flowscope.flow import FlowGraph
from flowscope.flow.spec import warm_static
from flowscope.logs import LogLine, encode
from flowscope.metastore.provider import MetadataProvider
from flowscope.metastore.records import (
    ArtifactRecord,
    AttemptResult,
    AttemptStart,
    Fact,
    NewRun,
    NewTask,
)
from flowscope.metastore.scalars import scalar_text
from flowscope.runtime.artifacts import TaskArtifacts
from flowscope.runtime.console import WIDE, Console
from flowscope.runtime.recording import code_package, environment_info, system_tags
from flowscope.runtime.resume import ResumePlan
from flowscope.runtime.scheduler import Scheduler, Stack, TaskSpec, task_key
from flowscope.runtime.task import (
    Job,
    RunContext,
    TaskOutcome,
    caught_outcome_without_process,
    execute,
)
from flowscope.runtime.workers import Exit, Worker, WorkerPool

PARAMETERS_STEP = "_parameters"


class RunInterrupted(RunError):
    """The run was stopped by Ctrl-C or SIGTERM; it is recorded as failed."""

    exit_code = 130


@dataclass(frozen=True)
class RunResult:
    flow_name: str
    run_id: int
    status: str

    @property
    def pathspec(self) -> str:
        return f"{self.flow_name}/{self.run_id}"


class _Graph:
    """The scheduler's view of a FlowGraph."""

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
class _Pending:
    task_id: int
    spec: TaskSpec
    attempt: int = 0
    not_before: float = 0.0


@dataclass
class _Batch:
    tasks: list[NewTask] = field(default_factory=list)
    starts: list[AttemptStart] = field(default_factory=list)
    results: list[AttemptResult] = field(default_factory=list)


class Runner:
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
        script: Path | None = None,
        console: Console | None = None,
        resume: ResumePlan | None = None,
        command_line: str | None = None,
    ) -> None:
        if max_workers < 1:
            raise RunError(f"--max-workers must be at least 1, got {max_workers}.")
        self.flow_cls = flow_cls
        self.graph = graph
        self.provider = provider
        self.settings = settings
        self.parameters = dict(parameters)
        self.tags = tags
        self.max_workers = max_workers
        self.script = script
        self.console = console or Console()
        self.resume = resume
        self.command_line = command_line
        self.store = datastore
        self.flow_name = graph.flow_name
        self.scheduler = Scheduler(_Graph(graph))
        self.indexes: dict[int, dict[str, ArtifactRecord]] = {}
        self.steps: dict[int, str] = {}
        self.stacks: dict[int, Stack] = {}
        self.cloned: set[int] = set()
        self.ready: deque[_Pending] = deque()
        self.batch = _Batch()
        self.step_totals: dict[str, int] = {}
        self.step_done: dict[str, int] = {}
        self.failed = False
        self.end_ok = False
        self._next_id = 1
        self._live: dict[tuple[int, int, str], Any] = {}
        self._snapshot_sizes: dict[tuple[int, int], tuple[int, int]] = {}
        self.run_id = 0
        self.params_id = 0  # the hidden _parameters task, whose artifacts every task carries
        self.env_key: str | None = None

    # ---- the run ---------------------------------------------------------------------
    def run(self) -> RunResult:
        """Record and run the flow. Ctrl-C and SIGTERM are answered by the runner from start to
        end (a signal before the run is recorded ends it with KeyboardInterrupt, recording
        nothing); the previous handlers are back when this returns."""
        began = time.time()
        stop = _StopRequest()
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            warm_static(self.flow_cls, list(self.graph.nodes))  # parsed once, inherited by forks
            code_key = None
            if self.script is not None:
                code_key = self.store.put(code_package(self.script, self.flow_name))
            self.env_key = self.store.put(json.dumps(environment_info()).encode())
            if stop.requested:
                raise KeyboardInterrupt
            return self._record_and_run(began, code_key, stop)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _record_and_run(self, began: float, code_key: str | None, stop: _StopRequest) -> RunResult:
        user = self.settings.user
        record = self.provider.create_run(
            NewRun(
                flow_name=self.flow_name,
                user=user,
                user_tags=self.tags,
                system_tags=system_tags(user),
                parameters=self.parameters,
                code_key=code_key,
                origin_run_id=self.resume.origin_run_id if self.resume else None,
                command_line=self.command_line,
            )
        )
        self.run_id = record.run_id
        self.ctx = RunContext(
            self.flow_name,
            self.run_id,
            user,
            record.tags,
            f"user:{user}",
            self.resume.origin_run_id if self.resume else None,
            self.parameters,
        )
        origin = f"{self.flow_name}/{self.resume.origin_run_id}" if self.resume else None
        self.console.run_started(f"{self.flow_name}/{self.run_id}", user, origin)
        pool = WorkerPool(self._on_line)
        try:
            self.params_id = self._record_parameters()
            for spec in self.scheduler.initial((self.params_id,)):
                self._enqueue(spec)
            self._loop(pool, stop)
        except KeyboardInterrupt:
            for exit_ in pool.terminate_all():
                self._record_failure(
                    exit_.worker,
                    {
                        "type": "KeyboardInterrupt",
                        "module": "builtins",
                        "message": "the run was interrupted",
                        "traceback": "",
                    },
                )
            self._flush()
            self.provider.finish_run(self.flow_name, self.run_id, "failed")
            self.console.run_finished(
                f"{self.flow_name}/{self.run_id}", "interrupted", time.time() - began
            )
            raise RunInterrupted(
                f"Run {self.flow_name}/{self.run_id} was interrupted and is recorded as failed. "
                f"Continue it with: python {self._script_name()} resume {self.run_id}"
            ) from None
        except MetadataError as exc:  # progress can no longer be recorded: stop, say how to go on
            pool.terminate_all()
            raise self._unrecorded(exc) from exc
        except BaseException:
            pool.terminate_all()  # never leave workers running unwatched
            raise
        finally:
            pool.close()
            self._close_live()
        status = "succeeded" if self.end_ok and not self.failed else "failed"
        try:
            self.provider.finish_run(self.flow_name, self.run_id, status)
        except MetadataError as exc:
            raise self._unrecorded(exc) from exc
        self.console.run_finished(f"{self.flow_name}/{self.run_id}", status, time.time() - began)
        return RunResult(self.flow_name, self.run_id, status)

    def _script_name(self) -> str:
        return self.script.name if self.script else "flow.py"

    def _unrecorded(self, exc: MetadataError) -> RunError:
        """The error for a run whose progress could not be recorded. Nothing more is written
        (the store is not answering): the run stays `running` until its heartbeat is stale,
        then reads as `lost`, and what was recorded before stays true."""
        return RunError(
            f"Run {self.flow_name}/{self.run_id} stopped: its progress could not be recorded "
            f"({exc}). Its workers were ended. Once the metadata store answers again, continue "
            f"it with: python {self._script_name()} resume {self.run_id}"
        )

    def _loop(self, pool: WorkerPool, stop: _StopRequest) -> None:
        next_beat = time.time() + self.settings.heartbeat_interval
        while (self.ready and not self.failed) or len(pool):
            if stop.requested:  # a safe point: nothing is half-recorded between two turns
                raise KeyboardInterrupt
            now = time.time()
            waiting: list[_Pending] = []
            while self.ready and not self.failed and len(pool) < self.max_workers:
                pending = self.ready.popleft()
                if pending.not_before > now:
                    waiting.append(pending)
                    continue
                if not self._clone(pending):
                    self._launch(pool, pending)
            self.ready.extendleft(reversed(waiting))
            self._flush()
            wait = 0.5
            if waiting and not len(pool):
                wait = max(0.0, min(p.not_before for p in waiting) - now)
            for exit_ in pool.poll(min(wait, max(0.0, next_beat - time.time()))):
                self._finished(exit_)
            self._flush()
            if time.time() >= next_beat:
                running = [w.key for w in pool.workers.values()]
                logs = self._log_snapshots(pool)
                self.provider.heartbeat(self.flow_name, self.run_id, running, logs)
                next_beat = time.time() + self.settings.heartbeat_interval

    # ---- scheduling ------------------------------------------------------------------
    def _new_id(self) -> int:
        task_id, self._next_id = self._next_id, self._next_id + 1
        return task_id

    def _enqueue(self, spec: TaskSpec) -> None:
        task_id = self._new_id()
        self.steps[task_id] = spec.step
        self.stacks[task_id] = spec.stack
        self.step_totals[spec.step] = self.step_totals.get(spec.step, 0) + 1
        self.ready.append(_Pending(task_id, spec))
        origin = (
            self.resume.origin_pathspec(spec, self._inputs_cloned(spec)) if self.resume else None
        )
        self.batch.tasks.append(
            NewTask(
                step_name=spec.step,
                task_id=task_id,
                foreach_index=spec.foreach_index,
                foreach_stack=tuple(f.to_json() for f in spec.stack),
                origin_pathspec=origin,
            )
        )

    def _inputs_cloned(self, spec: TaskSpec) -> bool:
        return all(i in self.cloned for i in spec.inputs)

    def _wide(self, step: str) -> bool:
        return self.step_totals.get(step, 0) > WIDE

    def _pathspec(self, task_id: int) -> str:
        return f"{self.flow_name}/{self.run_id}/{self.steps[task_id]}/{task_id}"

    def _record_parameters(self) -> int:
        task_id = self._new_id()
        self.steps[task_id] = PARAMETERS_STEP
        if self.resume is not None:
            records = self.resume.parameter_artifacts()
        else:
            now = time.time()
            records = []
            for name, value in sorted(self.parameters.items()):
                info = save_artifact(self.store, value)
                records.append(
                    ArtifactRecord(
                        name,
                        info.sha,
                        info.size,
                        info.type_name,
                        info.serializer,
                        now,
                        scalar_text(value),
                    )
                )
        self.indexes[task_id] = {r.name: r for r in records}
        self.cloned.add(task_id)
        self.batch.tasks.append(NewTask(PARAMETERS_STEP, task_id))
        self.batch.starts.append(AttemptStart(task_id, 0))
        self.batch.results.append(AttemptResult(task_id, 0, "succeeded", artifacts=tuple(records)))
        return task_id

    def _job(self, pending: _Pending) -> tuple[Job, float | None]:
        spec = pending.spec
        node = self.graph[spec.step]
        retry = _decorator(node, "retry")
        catch = _decorator(node, "catch")
        timeout = _decorator(node, "timeout")
        times = int(getattr(retry, "times", 0)) if retry else 0
        job = Job(
            task_id=pending.task_id,
            attempt=pending.attempt,
            spec=spec,
            join_step_names=tuple(self.steps[i] for i in spec.inputs),
            input_stacks=tuple(self.stacks.get(i, ()) for i in spec.inputs),
            inputs=tuple(
                TaskArtifacts(self._pathspec(i), self.indexes[i], self.store) for i in spec.inputs
            ),
            is_join=bool(node.is_join),
            last_attempt=pending.attempt >= times,
            catch_var=(getattr(catch, "var", None) or "_catch_exception") if catch else None,
            expected_targets=tuple(node.out_funcs),
            foreach_var=node.foreach_param if node.type == "foreach" else None,
        )
        seconds = float(getattr(timeout, "seconds", 0) or 0) if timeout else 0.0
        return job, (seconds or None)

    def _launch(self, pool: WorkerPool, pending: _Pending) -> None:
        job, timeout = self._job(pending)
        flow_cls, ctx, store = self.flow_cls, self.ctx, self.store
        worker = pool.spawn(
            (pending.task_id, pending.attempt),
            lambda: execute(flow_cls, job, ctx, store),
            timeout,
        )
        worker.job = job  # type: ignore[attr-defined]
        worker.pending = pending  # type: ignore[attr-defined]
        self.batch.starts.append(AttemptStart(pending.task_id, pending.attempt, worker.started))
        self.console.task_started(
            self._pathspec(pending.task_id), pending.attempt, self._wide(pending.spec.step)
        )

    def _clone(self, pending: _Pending) -> bool:
        """Resume: reuse the origin run's successful task instead of running it again."""
        if self.resume is None or not self._inputs_cloned(pending.spec):
            return False
        origin = self.resume.find(pending.spec)
        if origin is None:
            return False
        records, count = self.resume.artifacts_of(origin), self.resume.foreach_count(origin)
        self.cloned.add(pending.task_id)
        self.batch.starts.append(AttemptStart(pending.task_id, 0))
        facts = [Fact("origin-pathspec", origin.pathspec, "str")]
        if count is not None:
            facts.append(Fact("foreach-count", str(count), "int"))
        self.batch.results.append(
            AttemptResult(
                pending.task_id,
                0,
                "succeeded",
                artifacts=tuple(records),
                facts=tuple(facts),
                stdout_key=origin.stdout_key,
                stderr_key=origin.stderr_key,
                env_key=origin.env_key,
            )
        )
        self.console.task_cloned(
            self._pathspec(pending.task_id), origin.pathspec, self._wide(pending.spec.step)
        )
        self._succeeded(pending.task_id, pending.spec, records, count)
        return True

    # ---- outcomes --------------------------------------------------------------------
    def _finished(self, exit_: Exit) -> None:
        worker = exit_.worker
        pending: _Pending = worker.pending  # type: ignore[attr-defined]
        job: Job = worker.job  # type: ignore[attr-defined]
        outcome: TaskOutcome | None = exit_.outcome
        if outcome is None:
            info = _crash_info(exit_.failure or "the worker ended without a result", job, worker)
            if job.catch_var is not None and job.last_attempt:
                outcome = caught_outcome_without_process(job, info, self.store)
            else:
                outcome = TaskOutcome(ok=False, exception=info)
        pathspec = self._pathspec(pending.task_id)
        seconds = time.time() - worker.started
        facts = [
            Fact("attempt", str(pending.attempt), "int"),
            Fact("pid", str(worker.pid), "int"),
            Fact("hostname", socket.gethostname(), "str"),
            Fact("runtime", "local", "str"),
        ]
        if outcome.foreach_count is not None:
            facts.append(Fact("foreach-count", str(outcome.foreach_count), "int"))
        if outcome.handled:
            facts.append(Fact("handled-by", "catch", "str"))
        status = "succeeded" if outcome.ok else "failed"
        artifacts = list(outcome.artifacts)
        if outcome.ok or outcome.handled:
            artifacts = self._with_parameters(artifacts)
        self.batch.results.append(
            AttemptResult(
                pending.task_id,
                pending.attempt,
                status,
                finished_at=time.time(),
                artifacts=tuple(artifacts),
                facts=tuple(facts),
                stdout_key=self._store_log(worker, "stdout"),
                stderr_key=self._store_log(worker, "stderr"),
                env_key=self.env_key,
                exception=outcome.exception,
                input=outcome.input_scalar,
            )
        )
        self._close_live(pending.task_id, pending.attempt)
        wide = self._wide(pending.spec.step)
        self.console.task_finished(
            pathspec, "handled by @catch" if outcome.handled else status, seconds, wide
        )
        if outcome.ok or (outcome.handled and job.foreach_var is None):
            self._succeeded(pending.task_id, pending.spec, artifacts, outcome.foreach_count)
        elif not job.last_attempt:
            delay = _retry_delay(self.graph[pending.spec.step])
            self.ready.append(
                _Pending(pending.task_id, pending.spec, pending.attempt + 1, time.time() + delay)
            )
        else:
            self.failed = True
            message = (outcome.exception or {}).get("message", "")
            self.console.note(
                f"Task {pathspec} failed: {message}\nFix it and continue with: "
                f"python {self._script_name()} resume {self.run_id}"
            )

    def _with_parameters(self, artifacts: list[ArtifactRecord]) -> list[ArtifactRecord]:
        names = {a.name for a in artifacts}
        extra = [r for r in self.indexes.get(self.params_id, {}).values() if r.name not in names]
        return sorted(artifacts + extra, key=lambda a: a.name) if extra else artifacts

    def _succeeded(
        self, task_id: int, spec: TaskSpec, artifacts: list[ArtifactRecord], count: int | None
    ) -> None:
        self.indexes[task_id] = {a.name: a for a in artifacts}
        step = spec.step
        self.step_done[step] = self.step_done.get(step, 0) + 1
        if self._wide(step):
            self.console.progress(step, self.step_done[step], self.step_totals[step])
        if step == "end":
            self.end_ok = True
        for child in self.scheduler.finished(task_id, spec, count):
            self._enqueue(child)

    def _record_failure(self, worker: Worker, info: dict[str, Any]) -> None:
        pending: _Pending = worker.pending  # type: ignore[attr-defined]
        self.batch.results.append(
            AttemptResult(
                pending.task_id,
                pending.attempt,
                "failed",
                finished_at=time.time(),
                stdout_key=self._store_log(worker, "stdout"),
                stderr_key=self._store_log(worker, "stderr"),
                env_key=self.env_key,
                exception=info,
            )
        )

    def _flush(self) -> None:
        batch, self.batch = self.batch, _Batch()
        if batch.tasks:
            self.provider.create_tasks(self.flow_name, self.run_id, batch.tasks)
        if batch.starts:
            self.provider.start_attempts(self.flow_name, self.run_id, batch.starts)
        if batch.results:
            self.provider.finish_attempts(self.flow_name, self.run_id, batch.results)

    # ---- logs ------------------------------------------------------------------------
    def _on_line(self, worker: Worker, stream: str, line: LogLine) -> None:
        task_id, attempt = worker.key
        self.console.line(self._pathspec(task_id), stream, line)
        live_dir = getattr(self.provider, "live_dir", None)
        if live_dir is None:
            return
        handle = self._live.get((task_id, attempt, stream))
        if handle is None:
            from flowscope.metastore.store import live_log_path

            path = live_log_path(live_dir, self.flow_name, self.run_id, task_id, attempt, stream)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = self._live[(task_id, attempt, stream)] = open(path, "ab", buffering=0)
        handle.write(encode([line]))

    def _log_snapshots(self, pool: WorkerPool) -> list[tuple[int, int, str | None, str | None]]:
        """For providers that cannot read live log files (the service): the output so far of
        each running attempt whose output grew since the last heartbeat, stored as blobs."""
        if getattr(self.provider, "live_dir", None) is not None:
            return []
        snapshots = []
        for worker in pool.workers.values():
            sizes = (len(worker.lines["stdout"]), len(worker.lines["stderr"]))
            if sizes == self._snapshot_sizes.get(worker.key, (0, 0)):
                continue
            self._snapshot_sizes[worker.key] = sizes
            task_id, attempt = worker.key
            snapshots.append(
                (
                    task_id,
                    attempt,
                    self._store_log(worker, "stdout"),
                    self._store_log(worker, "stderr"),
                )
            )
        return snapshots

    def _close_live(self, task_id: int | None = None, attempt: int | None = None) -> None:
        for key in list(self._live):
            if task_id is None or key[:2] == (task_id, attempt):
                handle = self._live.pop(key)
                handle.close()
                try:
                    os.unlink(handle.name)
                except OSError:
                    pass

    def _store_log(self, worker: Worker, stream: str) -> str | None:
        lines = worker.lines[stream]
        return self.store.put(encode(lines)) if lines else None


def _decorator(node: Any, name: str) -> Any:
    for deco in getattr(node, "decorators", ()) or ():
        if getattr(deco, "name", None) == name:
            return deco
    return None


def _retry_delay(node: Any) -> float:
    retry = _decorator(node, "retry")
    return float(getattr(retry, "minutes_between_retries", 0) or 0) * 60.0


def _crash_info(failure: str, job: Job, worker: Worker) -> dict[str, Any]:
    if failure == "timeout":
        seconds = (worker.deadline or worker.started) - worker.started
        return {
            "type": "TimeoutError",
            "module": "builtins",
            "message": f"step '{job.spec.step}' exceeded its @timeout of {seconds:g} seconds and was stopped",
            "traceback": "",
        }
    return {
        "type": "WorkerCrashed",
        "module": "flowscope",
        "message": f"step '{job.spec.step}' did not finish: {failure}",
        "traceback": "",
    }


class _StopRequest:
    """The handler of Ctrl-C and SIGTERM during a run. The first signal asks the runner to
    stop at its next safe point (the top of a turn of its loop, within half a second), so that
    it is never interrupted half-way through starting a worker or recording a batch; a second
    one stops it at once."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True


__all__ = ["RunInterrupted", "RunResult", "Runner", "task_key"]
