"""Task: one execution of a step (one per foreach item), and the richest object.

A task reads its latest attempt unless built with `attempt=N`. What a finished attempt
recorded cannot change, so its status, artifact index, facts, environment and logs are
cached on the object; a running attempt is asked again on every read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flowscope.client.artifact import DataArtifact
from flowscope.client.base import (
    FINISHED,
    Container,
    check_namespace,
    did_you_mean,
    not_found,
    object_name,
    to_datetime,
    visible,
)
from flowscope.client.code import Code
from flowscope.client.context import CONTEXT
from flowscope.client.data import TaskArtifacts, TaskData
from flowscope.client.display import task_html
from flowscope.client.status import StatusMixin
from flowscope.client.values import LogLine, Metadata, TaskException
from flowscope.errors import DataStoreError
from flowscope.metastore.records import SUCCEEDED

if TYPE_CHECKING:
    from flowscope.client.prefetch import StepArtifacts
    from flowscope.client.step import Step  # the parent's type only: step.py imports this module
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import ArtifactRecord, RunRecord, TaskRecord

STREAMS = ("stdout", "stderr")


class Task(StatusMixin["TaskRecord"], Container["Step", DataArtifact]):
    """A task: `Task('HelloFlow/2/start/3')`, or `Task(pathspec, attempt=0)` for an earlier
    attempt of a retried task. Iterating yields its artifacts (DataArtifact)."""

    __slots__ = ("_env", "_facts", "_fresh", "_index", "_logs", "_record", "_run", "_shared")

    _kind = "Task"
    _level = "task"
    _parent_kind = "Step"
    _child_level = "artifact"

    _run: RunRecord | None
    _record: TaskRecord | None
    _fresh: bool
    _shared: StepArtifacts | None
    _index: dict[str, ArtifactRecord] | None
    _facts: list[Metadata] | None
    _env: dict[str, Any] | None
    _logs: dict[str, bytes] | None

    def __init__(self, pathspec: str, attempt: int | None = None) -> None:
        self._bind(pathspec, attempt)
        self._resolve()

    def _clear(self) -> None:
        self._run = None
        self._record = None
        self._fresh = False
        self._shared = None
        self._index = None
        self._facts = None
        self._env = None
        self._logs = None

    @classmethod
    def _from_record(
        cls,
        provider: MetadataProvider,
        namespace: str | None,
        record: TaskRecord,
        run: RunRecord | None,
        shared: StepArtifacts | None = None,
        attempt: int | None = None,
    ) -> Task:
        task = object.__new__(cls)
        task._provider = provider
        task._namespace = namespace
        task._components = (
            record.flow_name,
            str(record.run_id),
            record.step_name,
            str(record.task_id),
        )
        task._attempt = attempt
        task._clear()
        task._run, task._record, task._fresh, task._shared = run, record, True, shared
        return task

    # ---- records -----------------------------------------------------------------------
    def _resolve(self) -> None:
        run = self._run_record()
        self._fetch()
        check_namespace(self._name, run, self._namespace)

    def _run_record(self) -> RunRecord:
        if self._run is None:
            flow, run_id = self._components[:2]
            record = self._provider.get_run(flow, int(run_id))
            if record is None:
                raise not_found(self._name, f"Run('{flow}/{run_id}') does not exist")
            self._run = record
        return self._run

    def _fetch(self) -> TaskRecord:
        flow, run_id, step, task_id = self._components
        provider = self._provider
        record = provider.get_task(flow, int(run_id), int(task_id), self._attempt)
        if record is None or record.step_name != step:
            hint = ""
            if self._attempt is not None:
                latest = provider.get_task(flow, int(run_id), int(task_id))
                if latest is not None and latest.step_name == step:
                    hint = f"the task's attempts are 0 to {latest.attempt}"
            raise not_found(self._name, hint)
        if self._record is not None and record.attempt != self._record.attempt:
            self._index = self._facts = self._env = self._logs = None  # a new attempt
        self._record, self._fresh = record, True
        return record

    def _task_record(self) -> TaskRecord:
        return self._record if self._record is not None else self._fetch()

    # ---- common properties (ClientObject: created_at, parent, tags, ...) ----------------
    def _own_record(self) -> TaskRecord:
        return self._task_record()  # created_at: when the task was created

    def _seed(self, parent: Step) -> None:
        parent._run = self._run

    def _origin(self) -> str | None:
        """The pathspec of the task this one was cloned from by a resume, else None."""
        return self._task_record().origin_pathspec

    def _repr_html_(self) -> str:
        return task_html(self)

    # ---- status (StatusMixin: status, finished, successful, finished_at) --------------
    @property
    def started_at(self) -> datetime | None:
        """When the attempt started (UTC), None while pending."""
        return to_datetime(self._current().started_at)

    @property
    def current_attempt(self) -> int:
        """The attempt this object reads (0 is the first)."""
        return self._current().attempt

    @property
    def index(self) -> int | None:
        """The task's position in the enclosing foreach, None outside a foreach."""
        return self._task_record().foreach_index

    @property
    def exception(self) -> TaskException | None:
        """The exception the step raised (type, message, traceback), None if it raised none."""
        recorded = self._current().exception
        return None if recorded is None else TaskException._from_record(recorded)

    # ---- artifacts ---------------------------------------------------------------------
    def _artifact_index(self) -> dict[str, ArtifactRecord]:
        if self._index is not None:
            return self._index
        record = self._current()
        if record.status == SUCCEEDED and self._shared is not None:
            records = self._shared.artifacts_of(record.task_id)
        else:
            flow, run_id, _, task_id = self._components
            records = self._provider.list_artifacts(flow, int(run_id), int(task_id), record.attempt)
        index = {a.name: a for a in records}
        if record.status in FINISHED:
            self._index = index
        return index

    def _artifact(self, record: ArtifactRecord) -> DataArtifact:
        return DataArtifact._from_record(self, record)

    def _children(self) -> Iterator[DataArtifact]:
        index = self._artifact_index()
        shown = sorted(
            (a for a in index.values() if visible(a.name)), key=lambda a: (-a.created_at, a.name)
        )
        for record in shown:
            yield self._artifact(record)

    def _child(self, key: str) -> DataArtifact:
        index = self._artifact_index()
        record = index.get(key)
        if record is None:
            name = object_name("DataArtifact", f"{self.pathspec}/{key}", self._attempt)
            raise not_found(name, did_you_mean(key, [n for n in index if visible(n)]))
        return self._artifact(record)

    @property
    def data(self) -> TaskData:
        """The task's artifact values as attributes (`task.data.x`), each loaded when read."""
        return TaskData(self)

    @property
    def artifacts(self) -> TaskArtifacts:
        """The task's DataArtifact objects as attributes (`task.artifacts.x.sha`)."""
        return TaskArtifacts(self)

    # ---- logs --------------------------------------------------------------------------
    def _log(self, stream: str) -> bytes:
        if stream not in STREAMS:
            raise ValueError(f"A task's log stream is 'stdout' or 'stderr', not {stream!r:.40}.")
        if self._logs is not None and stream in self._logs:
            return self._logs[stream]
        record = self._current()
        flow, run_id, _, task_id = self._components
        if record.status in FINISHED:
            key = record.stdout_key if stream == "stdout" else record.stderr_key
            data = b"" if key is None else self._blob(key, f"the {stream} of {self._name}")
            if self._logs is None:
                self._logs = {}
            self._logs[stream] = data
            return data
        live = self._provider.read_live_log(flow, int(run_id), int(task_id), record.attempt, stream)
        if live is not None:
            return live
        # a provider without live files (the service): the output so far, as last heartbeated
        key = record.stdout_key if stream == "stdout" else record.stderr_key
        return b"" if key is None else self._blob(key, f"the {stream} of {self._name}")

    def _blob(self, key: str, what: str) -> bytes:
        try:
            return bytes(CONTEXT.datastore_for(self._provider, self._run_record()).get(key))
        except DataStoreError as exc:
            raise type(exc)(f"Could not read {what}: {exc}") from exc

    @property
    def stdout(self) -> str:
        """Everything the task printed to standard output."""
        from flowscope.logs import text_of

        return text_of(self._log("stdout"))

    @property
    def stderr(self) -> str:
        """Everything the task printed to standard error."""
        from flowscope.logs import text_of

        return text_of(self._log("stderr"))

    def loglines(self, stream: str) -> Iterator[LogLine]:
        """The lines of `stream` ('stdout' or 'stderr') with the time each was printed."""
        from flowscope.logs import decode

        for line in decode(self._log(stream)):
            yield LogLine(line.datetime, line.text)

    # ---- environment, code, facts ------------------------------------------------------
    @property
    def environment_info(self) -> dict[str, Any] | None:
        """The task's execution environment: `python_version`, `python_implementation`,
        `platform`, `packages` ({name: version}), `runtime`, ... None if not recorded."""
        if self._env is not None:
            return dict(self._env)
        record = self._current()
        if record.env_key is None:
            return None
        raw = self._blob(record.env_key, f"the environment of {self._name}")
        try:
            env = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataStoreError(
                f"The environment record of {self._name} is not valid JSON ({exc}); "
                f"re-run the task to record it again."
            ) from exc
        if record.status in FINISHED:
            self._env = env
        return dict(env)

    @property
    def code(self) -> Code | None:
        """The code package of the task's run, None if none was saved."""
        key = self._run_record().code_key
        return (
            None
            if key is None
            else Code._make(self._provider, key, self.pathspec, self._run_record())
        )

    @property
    def metadata(self) -> list[Metadata]:
        """The facts recorded about the attempt (attempt, hostname, pid, ...)."""
        if self._facts is not None:
            return list(self._facts)
        record = self._current()
        flow, run_id, _, task_id = self._components
        facts = [
            Metadata(f.field, f.value, to_datetime(f.created_at), f.type, self)  # type: ignore[arg-type]
            for f in self._provider.list_facts(flow, int(run_id), int(task_id), record.attempt)
        ]
        recorded = {f.name for f in facts}
        facts += [f for f in self._origin_facts(record) if f.name not in recorded]
        if record.status in FINISHED:
            self._facts = facts
        return list(facts)

    @property
    def metadata_dict(self) -> dict[str, str]:
        """The recorded facts as {name: value}. A task of a resumed run also carries
        `origin-run-id` (the run it resumed); a task cloned by the resume `origin-task-id`."""
        return {m.name: m.value for m in self.metadata}

    def _origin_facts(self, record: TaskRecord) -> list[Metadata]:
        """origin-run-id and origin-task-id, from what the resume recorded with the task."""
        facts = []
        when = to_datetime(record.created_at)
        origin = self._task_record().origin_pathspec
        run_origin = self._run_record().origin_run_id
        if origin is not None:
            _, run_id, _, task_id = origin.split("/")
            facts.append(Metadata("origin-run-id", run_id, when, "str", self))  # type: ignore[arg-type]
            facts.append(Metadata("origin-task-id", task_id, when, "str", self))  # type: ignore[arg-type]
        elif run_origin is not None:
            facts.append(Metadata("origin-run-id", str(run_origin), when, "str", self))  # type: ignore[arg-type]
        return facts

    # ---- lineage (lineage.py) ----------------------------------------------------------
    def _lineage(self, children: bool) -> list[TaskRecord]:
        from flowscope.client import lineage  # on demand: the flow package's graph parser

        flow, run_id = self._components[:2]
        provider = self._provider
        graph = lineage.run_successors(provider, flow, int(run_id), self._flow_source)
        before = lineage.predecessors(graph)
        tasks_of = lineage.step_cache(lambda step: provider.list_tasks(flow, int(run_id), step))
        record = self._task_record()
        if children:
            return lineage.children(record, graph, before, tasks_of)
        return lineage.parents(record, before, tasks_of)

    def _flow_source(self) -> str | None:
        code = self.code
        return None if code is None else code.flowspec

    def _tasks(self, records: list[TaskRecord]) -> Iterator[Task]:
        run = self._run_record()
        for record in records:
            yield Task._from_record(self._provider, self._namespace, record, run)

    @property
    def parent_task_pathspecs(self) -> Iterator[str]:
        """The pathspecs of the tasks this task took its inputs from (none for start; one per
        branch or foreach item for a join)."""
        return iter([r.pathspec for r in self._lineage(children=False)])

    @property
    def child_task_pathspecs(self) -> Iterator[str]:
        """The pathspecs of the tasks that took their inputs from this task."""
        return iter([r.pathspec for r in self._lineage(children=True)])

    @property
    def parent_tasks(self) -> Iterator[Task]:
        """The tasks this task took its inputs from (see parent_task_pathspecs)."""
        return self._tasks(self._lineage(children=False))

    @property
    def child_tasks(self) -> Iterator[Task]:
        """The tasks that took their inputs from this task (see child_task_pathspecs)."""
        return self._tasks(self._lineage(children=True))
