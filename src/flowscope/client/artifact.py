"""DataArtifact: one value a task produced, with its content hash, size and times."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flowscope.client.base import ClientObject, check_namespace, did_you_mean, not_found
from flowscope.client.data import load_value
from flowscope.client.display import artifact_html

if TYPE_CHECKING:
    from flowscope.client.prefetch import StepArtifacts
    from flowscope.client.task import Task  # the parent's type only: task.py imports this module
    from flowscope.metastore.records import ArtifactRecord, RunRecord, TaskRecord


class DataArtifact(ClientObject["Task"]):
    """An artifact: `DataArtifact('HelloFlow/2/start/3/x')`, or with `attempt=N` for an
    earlier attempt of a retried task. `.data` is the value, loaded when read."""

    __slots__ = ("_record", "_run", "_shared", "_task")

    _kind = "DataArtifact"
    _level = "artifact"
    _parent_kind = "Task"

    _run: RunRecord | None
    _task: TaskRecord | None
    _record: ArtifactRecord | None
    _shared: StepArtifacts | None  # the step's index, when read while walking the step

    def __init__(self, pathspec: str, attempt: int | None = None) -> None:
        self._bind(pathspec, attempt)
        self._resolve()

    def _clear(self) -> None:
        self._run = None
        self._task = None
        self._record = None
        self._shared = None

    @classmethod
    def _from_record(cls, task: Task, record: ArtifactRecord) -> DataArtifact:
        artifact = cls._make(
            task._provider, task._namespace, (*task._components, record.name), task._attempt
        )
        artifact._run, artifact._task, artifact._record = task._run, task._record, record
        artifact._shared = task._shared
        return artifact

    def _seed(self, parent: Task) -> None:
        parent._attempt, parent._run, parent._record = self._attempt, self._run, self._task

    def _resolve(self) -> None:
        task = self.parent
        run = task._run_record()
        self._run = run
        self._task = task._fetch()
        self._fetch()
        check_namespace(self._name, run, self._namespace)

    def _fetch(self) -> ArtifactRecord:
        task = self.parent
        self._task = task._task_record()
        flow, run_id, _, task_id, name = self._components
        records = self._provider.list_artifacts(flow, int(run_id), int(task_id), self._task.attempt)
        for record in records:
            if record.name == name:
                self._record = record
                return record
        raise not_found(
            self._name, did_you_mean(name, [r.name for r in records if not r.name.startswith("_")])
        )

    def _artifact_record(self) -> ArtifactRecord:
        return self._record if self._record is not None else self._fetch()

    def _run_record(self) -> RunRecord:
        if self._run is None:
            self._run = self.parent._run_record()
        return self._run

    # ---- common properties (ClientObject: created_at, parent, tags, ...) ----------------
    def _own_record(self) -> ArtifactRecord:
        return self._artifact_record()  # created_at: when the artifact was recorded

    def _origin(self) -> str | None:
        """The artifact of the task this one's task was cloned from by a resume, else None."""
        origin = self.parent.origin_pathspec
        return None if origin is None else f"{origin}/{self._components[-1]}"

    def _repr_html_(self) -> str:
        return artifact_html(self)

    # ---- properties --------------------------------------------------------------------
    @property
    def data(self) -> object:
        """The value (loaded from the datastore on each read)."""
        record = self._artifact_record()
        return load_value(self._provider, record, self._name, self._shared, self._run_record())

    @property
    def sha(self) -> str:
        """The content hash the value is stored under."""
        return self._artifact_record().sha

    @property
    def size(self) -> int:
        """The bytes the value takes in storage."""
        return self._artifact_record().size

    @property
    def type_name(self) -> str:
        """The value's type, e.g. `builtins.int` (known without loading it)."""
        return self._artifact_record().type_name

    @property
    def serializer(self) -> str:
        """The name of the serializer the value was stored with."""
        return self._artifact_record().serializer

    @property
    def finished_at(self) -> datetime:
        """When the artifact was fully written: artifacts become visible only once written,
        so this is `created_at`."""
        return self.created_at
