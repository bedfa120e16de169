"""What writers send the metadata store: a new run, new tasks, an attempt's start and its
result. Frozen values like the records they become (records.py), converted to and from the
JSON-safe dicts the HTTP service carries. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowscope.frozen import init, replace
from flowscope.metastore.records import ArtifactRecord, Fact, Record


class NewRun(Record):
    __slots__ = (
        "flow_name",
        "user",
        "user_tags",
        "system_tags",
        "parameters",
        "code_key",
        "origin_run_id",
        "created_at",
        "command_line",
        "datastore",
    )
    flow_name: str
    user: str
    user_tags: tuple[str, ...]
    system_tags: tuple[str, ...]
    parameters: Mapping[str, Any]
    code_key: str | None
    origin_run_id: int | None
    created_at: float | None
    command_line: str | None
    datastore: str | None

    def __init__(
        self,
        flow_name: str,
        user: str,
        user_tags: tuple[str, ...] = (),
        system_tags: tuple[str, ...] = (),
        parameters: Mapping[str, Any] | None = None,
        code_key: str | None = None,
        origin_run_id: int | None = None,
        created_at: float | None = None,
        command_line: str | None = None,
        datastore: str | None = None,
    ) -> None:
        init(self, "flow_name", flow_name)
        init(self, "user", user)
        init(self, "user_tags", user_tags)
        init(self, "system_tags", system_tags)
        init(self, "parameters", {} if parameters is None else parameters)
        init(self, "code_key", code_key)
        init(self, "origin_run_id", origin_run_id)
        init(self, "created_at", created_at)
        init(self, "command_line", command_line)
        init(self, "datastore", datastore)


class NewTask(Record):
    __slots__ = (
        "step_name",
        "task_id",
        "foreach_index",
        "foreach_stack",
        "origin_pathspec",
        "created_at",
    )
    step_name: str
    task_id: int
    foreach_index: int | None
    foreach_stack: tuple[Any, ...]
    origin_pathspec: str | None
    created_at: float | None

    def __init__(
        self,
        step_name: str,
        task_id: int,
        foreach_index: int | None = None,
        foreach_stack: tuple[Any, ...] = (),
        origin_pathspec: str | None = None,
        created_at: float | None = None,
    ) -> None:
        init(self, "step_name", step_name)
        init(self, "task_id", task_id)
        init(self, "foreach_index", foreach_index)
        init(self, "foreach_stack", foreach_stack)
        init(self, "origin_pathspec", origin_pathspec)
        init(self, "created_at", created_at)


class AttemptStart(Record):
    __slots__ = ("task_id", "attempt", "started_at")
    task_id: int
    attempt: int
    started_at: float | None

    def __init__(self, task_id: int, attempt: int, started_at: float | None = None) -> None:
        init(self, "task_id", task_id)
        init(self, "attempt", attempt)
        init(self, "started_at", started_at)


class AttemptResult(Record):
    """Everything a finished attempt records, committed at once: a crash never leaves a
    half-visible task."""

    __slots__ = (
        "task_id",
        "attempt",
        "status",
        "finished_at",
        "artifacts",
        "facts",
        "stdout_key",
        "stderr_key",
        "env_key",
        "exception",
        "input",
        "blob_keys",
    )
    task_id: int
    attempt: int
    status: str
    finished_at: float | None
    artifacts: tuple[ArtifactRecord, ...]
    facts: tuple[Fact, ...]
    stdout_key: str | None
    stderr_key: str | None
    env_key: str | None
    exception: Mapping[str, Any] | None
    input: str | None
    """The task's foreach input as JSON text when it is a scalar (metastore/scalars.py)."""
    blob_keys: tuple[str, ...]
    """Blob keys the attempt wrote that no other field names (its cards), for the blob
    references table (metastore/blob_refs.py)."""

    def __init__(
        self,
        task_id: int,
        attempt: int,
        status: str,
        finished_at: float | None = None,
        artifacts: tuple[ArtifactRecord, ...] = (),
        facts: tuple[Fact, ...] = (),
        stdout_key: str | None = None,
        stderr_key: str | None = None,
        env_key: str | None = None,
        exception: Mapping[str, Any] | None = None,
        input: str | None = None,
        blob_keys: tuple[str, ...] = (),
    ) -> None:
        init(self, "task_id", task_id)
        init(self, "attempt", attempt)
        init(self, "status", status)
        init(self, "finished_at", finished_at)
        init(self, "artifacts", artifacts)
        init(self, "facts", facts)
        init(self, "stdout_key", stdout_key)
        init(self, "stderr_key", stderr_key)
        init(self, "env_key", env_key)
        init(self, "exception", exception)
        init(self, "input", input)
        init(self, "blob_keys", blob_keys)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttemptResult:
        return replace(
            super().from_dict(data),
            artifacts=tuple(ArtifactRecord.from_dict(a) for a in data.get("artifacts", ())),
            facts=tuple(Fact.from_dict(f) for f in data.get("facts", ())),
        )
