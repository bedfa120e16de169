"""What the metadata store holds, as frozen values. Pure.

Times are float seconds since the epoch (UTC) here; the client turns them into aware
datetimes. Every record converts to and from a JSON-safe dict, which is what the HTTP
service sends over the wire.

The records are `flowscope.frozen` values (slotted, immutable, equal by fields), written out
rather than made by `@dataclass`: this module is imported by every process that touches
metadata, and dataclasses cost it about 10 ms at each import. The constructors take the fields
in `__slots__` order, positionally or by keyword; `dataclasses.fields()` and `replace()` still
work on them (see frozen.py). What writers send is in new_records.py, run filters and listing
rows in queries.py, on the same `Record` base.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from flowscope.frozen import Frozen, init, names, values

RunStatus = Literal["running", "succeeded", "failed", "lost"]
TaskStatus = Literal["pending", "running", "succeeded", "failed", "lost"]

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
LOST = "lost"
PENDING = "pending"
FINISHED_STATUSES = frozenset({SUCCEEDED, FAILED})

R = TypeVar("R", bound=Frozen)

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


def _plain(value: Any) -> Any:
    """`value` with its records as dicts (and copies of its dicts), as `dataclasses.asdict`."""
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def _from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
    known = names(cls)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
    return cls(**kwargs)


class Record(Frozen):
    """Shared (de)serialization for the records below."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return {n: _plain(v) for n, v in zip(names(type(self)), values(self), strict=True)}

    @classmethod
    def from_dict(cls: type[R], data: Mapping[str, Any]) -> R:
        return _from_dict(cls, data)


class FlowRecord(Record):
    __slots__ = ("flow_name", "created_at")
    flow_name: str
    created_at: float

    def __init__(self, flow_name: str, created_at: float) -> None:
        init(self, "flow_name", flow_name)
        init(self, "created_at", created_at)


class RunRecord(Record):
    __slots__ = (
        "flow_name",
        "run_id",
        "user",
        "status",
        "created_at",
        "finished_at",
        "heartbeat_at",
        "user_tags",
        "system_tags",
        "code_key",
        "origin_run_id",
        "command_line",
        "datastore",
    )
    flow_name: str
    run_id: int
    user: str
    status: str
    created_at: float
    finished_at: float | None
    heartbeat_at: float | None
    user_tags: tuple[str, ...]
    system_tags: tuple[str, ...]
    code_key: str | None
    origin_run_id: int | None
    command_line: str | None
    datastore: str | None
    """The address of the datastore the run was recorded with when it was chosen explicitly;
    None: the metadata store's own (and every run recorded before schema version 5)."""

    def __init__(
        self,
        flow_name: str,
        run_id: int,
        user: str,
        status: str,
        created_at: float,
        finished_at: float | None = None,
        heartbeat_at: float | None = None,
        user_tags: tuple[str, ...] = (),
        system_tags: tuple[str, ...] = (),
        code_key: str | None = None,
        origin_run_id: int | None = None,
        command_line: str | None = None,
        datastore: str | None = None,
    ) -> None:
        init(self, "flow_name", flow_name)
        init(self, "run_id", run_id)
        init(self, "user", user)
        init(self, "status", status)
        init(self, "created_at", created_at)
        init(self, "finished_at", finished_at)
        init(self, "heartbeat_at", heartbeat_at)
        init(self, "user_tags", user_tags)
        init(self, "system_tags", system_tags)
        init(self, "code_key", code_key)
        init(self, "origin_run_id", origin_run_id)
        init(self, "command_line", command_line)
        init(self, "datastore", datastore)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.user_tags) | set(self.system_tags)))


class StepRecord(Record):
    __slots__ = ("flow_name", "run_id", "step_name", "created_at", "finished_at", "task_count")
    flow_name: str
    run_id: int
    step_name: str
    created_at: float
    finished_at: float | None
    task_count: int

    def __init__(
        self,
        flow_name: str,
        run_id: int,
        step_name: str,
        created_at: float,
        finished_at: float | None,
        task_count: int,
    ) -> None:
        init(self, "flow_name", flow_name)
        init(self, "run_id", run_id)
        init(self, "step_name", step_name)
        init(self, "created_at", created_at)
        init(self, "finished_at", finished_at)
        init(self, "task_count", task_count)


class TaskRecord(Record):
    """A task with one of its attempts (the latest unless asked otherwise)."""

    __slots__ = (
        "flow_name",
        "run_id",
        "step_name",
        "task_id",
        "created_at",
        "attempt",
        "status",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "foreach_index",
        "foreach_stack",
        "origin_pathspec",
        "stdout_key",
        "stderr_key",
        "env_key",
        "exception",
    )
    flow_name: str
    run_id: int
    step_name: str
    task_id: int
    created_at: float
    attempt: int
    status: str
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    foreach_index: int | None
    foreach_stack: tuple[Any, ...]
    origin_pathspec: str | None
    stdout_key: str | None
    stderr_key: str | None
    env_key: str | None
    exception: Mapping[str, Any] | None

    def __init__(
        self,
        flow_name: str,
        run_id: int,
        step_name: str,
        task_id: int,
        created_at: float,
        attempt: int = 0,
        status: str = PENDING,
        started_at: float | None = None,
        finished_at: float | None = None,
        heartbeat_at: float | None = None,
        foreach_index: int | None = None,
        foreach_stack: tuple[Any, ...] = (),
        origin_pathspec: str | None = None,
        stdout_key: str | None = None,
        stderr_key: str | None = None,
        env_key: str | None = None,
        exception: Mapping[str, Any] | None = None,
    ) -> None:
        init(self, "flow_name", flow_name)
        init(self, "run_id", run_id)
        init(self, "step_name", step_name)
        init(self, "task_id", task_id)
        init(self, "created_at", created_at)
        init(self, "attempt", attempt)
        init(self, "status", status)
        init(self, "started_at", started_at)
        init(self, "finished_at", finished_at)
        init(self, "heartbeat_at", heartbeat_at)
        init(self, "foreach_index", foreach_index)
        init(self, "foreach_stack", foreach_stack)
        init(self, "origin_pathspec", origin_pathspec)
        init(self, "stdout_key", stdout_key)
        init(self, "stderr_key", stderr_key)
        init(self, "env_key", env_key)
        init(self, "exception", exception)

    @property
    def pathspec(self) -> str:
        return f"{self.flow_name}/{self.run_id}/{self.step_name}/{self.task_id}"


class ArtifactRecord(Record):
    __slots__ = ("name", "sha", "size", "type_name", "serializer", "created_at", "scalar", "inline")
    name: str
    sha: str
    size: int
    type_name: str
    serializer: str
    created_at: float
    scalar: str | None
    """The value as JSON text when it is a scalar (metastore/scalars.py), for the query index;
    None for other values, and in records read back from a store."""
    inline: str | None
    """The blob's stored form, base64, when it is small (`FLOWSCOPE_INLINE_BLOB_MAX`): read with
    the listing instead of from the datastore, and checked against `sha` like any read."""

    def __init__(
        self,
        name: str,
        sha: str,
        size: int,
        type_name: str,
        serializer: str,
        created_at: float = 0.0,
        scalar: str | None = None,
        inline: str | None = None,
    ) -> None:
        init(self, "name", name)
        init(self, "sha", sha)
        init(self, "size", size)
        init(self, "type_name", type_name)
        init(self, "serializer", serializer)
        init(self, "created_at", created_at)
        init(self, "scalar", scalar)
        init(self, "inline", inline)


class Fact(Record):
    """One key/value fact recorded about a task attempt (`task.metadata`)."""

    __slots__ = ("field", "value", "type", "created_at")
    field: str
    value: str
    type: str
    created_at: float

    def __init__(self, field: str, value: str, type: str, created_at: float = 0.0) -> None:
        init(self, "field", field)
        init(self, "value", value)
        init(self, "type", type)
        init(self, "created_at", created_at)
