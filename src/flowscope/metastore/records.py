"""What the metadata store holds, as frozen values. Pure.

Times are float seconds since the epoch (UTC) here; the client turns them into aware
datetimes. Every record converts to and from a JSON-safe dict, which is what the HTTP
service sends over the wire.
"""

from __future__ import annotations

import binascii
import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, TypeVar

RunStatus = Literal["running", "succeeded", "failed", "lost"]
TaskStatus = Literal["pending", "running", "succeeded", "failed", "lost"]

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
LOST = "lost"
PENDING = "pending"
FINISHED_STATUSES = frozenset({SUCCEEDED, FAILED})

R = TypeVar("R")

MAX_INLINE = 64 * 1024
"""The largest stored blob any reader or writer accepts inline with its record (the
FLOWSCOPE_INLINE_BLOB_MAX setting is capped by it)."""
MAX_INLINE_TEXT = 4 * -(-MAX_INLINE // 3)
"""Its base64 length."""
MAX_ADDRESS = 2000
"""The longest datastore address a run records."""


def inline_bytes(text: str) -> bytes | None:
    """The bytes of an inline blob (`ArtifactRecord.inline`), or None when `text` is not
    strict base64 of at most MAX_INLINE bytes."""
    if len(text) > MAX_INLINE_TEXT:
        return None
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        return None


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
    names = _field_names(cls)  # type: ignore[arg-type]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
    return cls(**kwargs)


class Record:
    """Shared (de)serialization for the records below."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload, no-any-return]

    @classmethod
    def from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
        return _from_dict(cls, data)


@dataclass(frozen=True, slots=True)
class FlowRecord(Record):
    flow_name: str
    created_at: float


@dataclass(frozen=True, slots=True)
class RunRecord(Record):
    flow_name: str
    run_id: int
    user: str
    status: str
    created_at: float
    finished_at: float | None = None
    heartbeat_at: float | None = None
    user_tags: tuple[str, ...] = ()
    system_tags: tuple[str, ...] = ()
    code_key: str | None = None
    origin_run_id: int | None = None
    command_line: str | None = None
    datastore: str | None = None
    """The address of the datastore the run was recorded with when it was chosen explicitly;
    None: the metadata store's own (and every run recorded before schema version 5)."""

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.user_tags) | set(self.system_tags)))


@dataclass(frozen=True, slots=True)
class StepRecord(Record):
    flow_name: str
    run_id: int
    step_name: str
    created_at: float
    finished_at: float | None
    task_count: int


@dataclass(frozen=True, slots=True)
class TaskRecord(Record):
    """A task with one of its attempts (the latest unless asked otherwise)."""

    flow_name: str
    run_id: int
    step_name: str
    task_id: int
    created_at: float
    attempt: int = 0
    status: str = PENDING
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float | None = None
    foreach_index: int | None = None
    foreach_stack: tuple[Any, ...] = ()
    origin_pathspec: str | None = None
    stdout_key: str | None = None
    stderr_key: str | None = None
    env_key: str | None = None
    exception: Mapping[str, Any] | None = None

    @property
    def pathspec(self) -> str:
        return f"{self.flow_name}/{self.run_id}/{self.step_name}/{self.task_id}"


@dataclass(frozen=True, slots=True)
class ArtifactRecord(Record):
    name: str
    sha: str
    size: int
    type_name: str
    serializer: str
    created_at: float = 0.0
    scalar: str | None = None
    """The value as JSON text when it is a scalar (metastore/scalars.py), for the query index;
    None for other values, and in records read back from a store."""
    inline: str | None = None
    """The blob's stored form, base64, when it is small (`FLOWSCOPE_INLINE_BLOB_MAX`): read with
    the listing instead of from the datastore, and checked against `sha` like any read."""


@dataclass(frozen=True, slots=True)
class Fact(Record):
    """One key/value fact recorded about a task attempt (`task.metadata`)."""

    field: str
    value: str
    type: str
    created_at: float = 0.0


# ---- write-side values ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewRun(Record):
    flow_name: str
    user: str
    user_tags: tuple[str, ...] = ()
    system_tags: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    code_key: str | None = None
    origin_run_id: int | None = None
    created_at: float | None = None
    command_line: str | None = None
    datastore: str | None = None


@dataclass(frozen=True, slots=True)
class NewTask(Record):
    step_name: str
    task_id: int
    foreach_index: int | None = None
    foreach_stack: tuple[Any, ...] = ()
    origin_pathspec: str | None = None
    created_at: float | None = None


@dataclass(frozen=True, slots=True)
class AttemptStart(Record):
    task_id: int
    attempt: int
    started_at: float | None = None


@dataclass(frozen=True, slots=True)
class AttemptResult(Record):
    """Everything a finished attempt records, committed at once: a crash never leaves a
    half-visible task."""

    task_id: int
    attempt: int
    status: str
    finished_at: float | None = None
    artifacts: tuple[ArtifactRecord, ...] = ()
    facts: tuple[Fact, ...] = ()
    stdout_key: str | None = None
    stderr_key: str | None = None
    env_key: str | None = None
    exception: Mapping[str, Any] | None = None
    input: str | None = None
    """The task's foreach input as JSON text when it is a scalar (metastore/scalars.py)."""
    blob_keys: tuple[str, ...] = ()
    """Blob keys the attempt wrote that no other field names (its cards), for the blob
    references table (metastore/blob_refs.py)."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttemptResult:
        base = _from_dict(cls, data)
        return AttemptResult(
            **{
                **{f.name: getattr(base, f.name) for f in fields(cls)},
                "artifacts": tuple(ArtifactRecord.from_dict(a) for a in data.get("artifacts", ())),
                "facts": tuple(Fact.from_dict(f) for f in data.get("facts", ())),
            }
        )


@dataclass(frozen=True, slots=True)
class RunQuery(Record):
    """Filters for listing runs, newest first. All filters are applied by the store."""

    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    status: str | None = None
    user: str | None = None
    since: float | None = None
    until: float | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    limit: int = 100
    cursor: str | None = None
    where: str | None = None
    """A filter in the query language (metastore/filters.py), evaluated by the store."""


@dataclass(frozen=True, slots=True)
class TaskRow(Record):
    """A task with its scalar artifacts and its foreach input (None when it has none or it is
    not a scalar): one row of `tasks(...).to_pandas()`."""

    task: TaskRecord
    data: Mapping[str, Any] = field(default_factory=dict)
    input: Any = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskRow:
        return TaskRow(
            task=TaskRecord.from_dict(data["task"]),
            data=dict(data.get("data") or {}),
            input=data.get("input"),
        )


@dataclass(frozen=True, slots=True)
class RunRow(Record):
    """A run with its scalar parameters and its end task's scalar artifacts: one row of
    `runs(...).to_pandas()`."""

    run: RunRecord
    params: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRow:
        return RunRow(
            run=RunRecord.from_dict(data["run"]),
            params=dict(data.get("params") or {}),
            data=dict(data.get("data") or {}),
        )


@dataclass(frozen=True, slots=True)
class Page(Record):
    items: tuple[Any, ...]
    cursor: str | None
