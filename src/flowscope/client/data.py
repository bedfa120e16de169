"""`task.data` and `task.artifacts`: a task's artifacts as attributes, loaded lazily.

`task.data.x` loads the one value `x` (nothing else); `dir(task.data)` lists the names, for
tab completion; `'x' in task.data` asks the artifact index only. Loading errors name the
artifact and the task.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from flowscope.client.base import did_you_mean, visible
from flowscope.client.context import CONTEXT
from flowscope.errors import BlobCorrupted, BlobNotFound, DataStoreError
from flowscope.metastore.records import inline_bytes

if TYPE_CHECKING:
    from flowscope.client.artifact import DataArtifact
    from flowscope.client.prefetch import StepArtifacts
    from flowscope.client.task import Task
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import ArtifactRecord, RunRecord

_NOT_ARTIFACTS = ("__", "_repr_", "_ipython_")  # probes by Python and notebooks


def load_value(
    provider: MetadataProvider,
    record: ArtifactRecord,
    owner: str,
    step: StepArtifacts | None = None,
    run: RunRecord | None = None,
) -> object:
    """Load an artifact value; datastore errors are re-raised naming the artifact. `step`: the
    shared index of the step walked, whose small blobs are fetched in one batch first. `run`:
    the artifact's run, whose recorded datastore holds the blob (`datastore_for`). A small
    blob that came inline with the record is read from it (verified), without the datastore."""
    from flowscope.datastore import load_artifact, load_inline

    what = f"The artifact {owner}"
    try:
        stored = None if record.inline is None else inline_bytes(record.inline)
        if stored is not None:
            return load_inline(record.sha, record.serializer, stored, f"the record of {owner}")
        store = CONTEXT.datastore_for(provider, run)
        if step is not None:
            step.warm(store)
        return load_artifact(store, record.sha, record.serializer)
    except BlobCorrupted as exc:
        # no "resume the run" here: a resume reuses finished tasks as they are, so it never
        # rewrites their blobs; only a new run that produces the same value does
        raise _with_key(
            BlobCorrupted(
                f"{what} is corrupted: the stored bytes of blob {record.sha} do not match their "
                f"content hash. ({exc})"
            ),
            record.sha,
        ) from exc
    except BlobNotFound as exc:
        raise _with_key(
            BlobNotFound(
                f"{what} is missing from the datastore (blob {record.sha}): it was deleted, or "
                f"the client reads a different datastore than the run wrote to. ({exc})"
            ),
            record.sha,
        ) from exc
    except DataStoreError as exc:
        raise DataStoreError(f"{what} could not be read: {exc}") from exc
    except (ImportError, AttributeError) as exc:
        raise DataStoreError(
            f"{what} (a {record.type_name}) could not be loaded: {type(exc).__name__}: {exc}. "
            f"Install the package that defines {record.type_name} in this environment."
        ) from exc


def _with_key(exc: DataStoreError, key: str) -> DataStoreError:
    exc.key = key  # type: ignore[attr-defined]  # declared on BlobCorrupted and BlobNotFound
    return exc


class _ByName:
    """A task's artifacts by name, as attributes and as keys: what `task.data` and
    `task.artifacts` share. Subclasses say what a name gives (`_get`)."""

    __slots__ = ("_task",)

    def __init__(self, task: Task) -> None:
        self._task = task

    def _record(self, name: str) -> ArtifactRecord:
        """The artifact `name`, or AttributeError with a did-you-mean."""
        if name.startswith(_NOT_ARTIFACTS):
            raise AttributeError(name)
        record = self._task._artifact_index().get(name)
        if record is None:
            hint = did_you_mean(name, [n for n in self._task._artifact_index() if visible(n)])
            raise AttributeError(
                f"{self._task!r} has no artifact {name!r}" + (f": {hint}" if hint else ".")
            )
        return record

    def _get(self, name: str) -> object:
        raise NotImplementedError

    def __getitem__(self, name: str) -> object:
        """`task.data['x']`, for names that are not valid attributes."""
        if not isinstance(name, str):
            raise KeyError(name)
        try:
            return self._get(name)
        except AttributeError as exc:
            raise KeyError(name) from exc

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._task._artifact_index()

    def __dir__(self) -> list[str]:
        return sorted(n for n in self._task._artifact_index() if visible(n))

    def __len__(self) -> int:
        return len(self.__dir__())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._task!r}: {', '.join(self.__dir__())}>"

    def __getstate__(self) -> Task:
        return self._task

    def __setstate__(self, task: Task) -> None:
        self._task = task


class TaskData(_ByName):
    """The artifact values of a task, as attributes (`task.data.x`)."""

    __slots__ = ()

    def _get(self, name: str) -> object:
        task = self._task
        return load_value(
            task._provider,
            self._record(name),
            f"{name!r} of {task!r}",
            task._shared,
            task._run_record(),
        )

    def __getattr__(self, name: str) -> object:
        return self._get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dir__())


class TaskArtifacts(_ByName):
    """The DataArtifact objects of a task, as attributes (`task.artifacts.x`)."""

    __slots__ = ()

    def _get(self, name: str) -> DataArtifact:
        return self._task._artifact(self._record(name))

    def __getattr__(self, name: str) -> DataArtifact:
        return self._get(name)

    def __getitem__(self, name: str) -> DataArtifact:
        return cast("DataArtifact", super().__getitem__(name))

    def __iter__(self) -> Iterator[DataArtifact]:
        return iter(self._task)
