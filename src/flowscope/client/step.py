"""Step: one step of a run. Its children are the step's tasks (many for a foreach)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flowscope.client.base import Container, check_namespace, did_you_mean, not_found, to_datetime
from flowscope.client.display import step_html
from flowscope.client.prefetch import StepArtifacts
from flowscope.client.query import TaskList
from flowscope.client.task import Task
from flowscope.tags import validate_tag

if TYPE_CHECKING:
    from flowscope.client.run import Run  # the parent's type only: run.py imports this module
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunRecord, StepRecord, TaskRecord


class Step(Container["Run", Task]):
    """A step of a run: `Step('HelloFlow/2/start')`. Iterating yields its tasks, newest
    first."""

    __slots__ = ("_record", "_run")

    _kind = "Step"
    _level = "step"
    _parent_kind = "Run"
    _child_level = "task"

    _run: RunRecord | None
    _record: StepRecord | None

    def __init__(self, pathspec: str) -> None:
        self._bind(pathspec)
        self._resolve()

    def _clear(self) -> None:
        self._run = None
        self._record = None

    @classmethod
    def _from_record(
        cls,
        provider: MetadataProvider,
        namespace: str | None,
        record: StepRecord,
        run: RunRecord | None,
    ) -> Step:
        step = cls._make(
            provider, namespace, (record.flow_name, str(record.run_id), record.step_name)
        )
        step._record, step._run = record, run
        return step

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

    def _fetch(self) -> StepRecord:
        flow, run_id, name = self._components
        steps = self._provider.list_steps(flow, int(run_id))
        for step in steps:
            if step.step_name == name:
                self._record = step
                return step
        raise not_found(
            self._name,
            did_you_mean(name, [s.step_name for s in steps if not s.step_name.startswith("_")]),
        )

    def _step_record(self) -> StepRecord:
        return self._record if self._record is not None else self._fetch()

    # ---- common properties (ClientObject: created_at, parent, tags, ...) ----------------
    def _own_record(self) -> StepRecord:
        return self._step_record()  # created_at: when the step's first task was created

    def _seed(self, parent: Run) -> None:
        parent._record = self._run

    def _repr_html_(self) -> str:
        return step_html(self)

    @property
    def finished_at(self) -> datetime | None:
        """When the last of the step's tasks finished (UTC); None until all have."""
        record = self._step_record()
        if record.finished_at is None:
            record = self._fetch()
        return to_datetime(record.finished_at)

    @property
    def finished(self) -> bool:
        """True when every task of the step has finished."""
        return self.finished_at is not None

    # ---- tasks -------------------------------------------------------------------------
    def _task_records(self) -> list[TaskRecord]:
        flow, run_id, name = self._components
        return self._provider.list_tasks(flow, int(run_id), name)

    def _tasks_of(self, records: list[TaskRecord]) -> Iterator[Task]:
        provider, ns, run = self._provider, self._namespace, self._run_record()
        shared = StepArtifacts(provider, self._components)
        make = Task._from_record
        for record in reversed(records):
            yield make(provider, ns, record, run, shared)

    def _children(self) -> Iterator[Task]:
        return self._tasks_of(self._task_records())

    def _child(self, key: str) -> Task:
        flow, run_id, name = self._components
        record = self._provider.get_task(flow, int(run_id), int(key))
        if record is None or record.step_name != name:
            raise not_found(f"Task('{self.pathspec}/{key}')")
        return Task._from_record(self._provider, self._namespace, record, self._run, None)

    def tasks(self, *tags: str, where: str | None = None) -> TaskList:
        """The step's tasks, newest first, if the run carries all of `tags` (else none), that
        match the filter `where` (fields `input`, `index`, `data.NAME`: "input = 0.1").
        Iterate the result, or call `.to_pandas()` on it. A filter that is not valid raises
        QueryError at this call."""
        wanted = {validate_tag(t) for t in tags}
        empty = bool(wanted - self.tags)
        if where is not None:
            flow, run_id, name = self._components
            records = self._provider.list_tasks(flow, int(run_id), name, where=where)
            tasks = iter(()) if empty else self._tasks_of(records)
        else:
            tasks = iter(()) if empty else self._children()
        return TaskList(self._provider, self._components, where, tasks, empty)

    @property
    def task(self) -> Task | None:
        """The step's task; for a foreach step, the one with the lowest foreach index."""
        records = self._task_records()
        if not records:
            return None
        first = min(
            records,
            key=lambda r: (r.foreach_index is None, r.foreach_index or 0, r.task_id),
        )
        return Task._from_record(self._provider, self._namespace, first, self._run, None)

    @property
    def environment_info(self) -> dict[str, Any] | None:
        """The execution environment of the step's task (see Task.environment_info)."""
        task = self.task
        return None if task is None else task.environment_info
