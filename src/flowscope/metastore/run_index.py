"""A run's tasks with their latest attempts' artifact records, in one call (`RunIndex`), and
its columnar wire form. Pure.

This is what a run diff reads of each run: every task, and the index of every task's
artifacts (names and content hashes), without loading an artifact. On the wire each field is
one array (a column), so thousands of records cost one JSON array per field rather than
one object each, and are checked a column at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flowscope.frozen import Frozen, init
from flowscope.metastore.records import ArtifactRecord, TaskRecord


class RunIndex(Frozen):
    """The tasks of a run (latest attempts, by task id) and, by task id, the artifact records
    of each task's latest attempt (by name)."""

    __slots__ = ("tasks", "artifacts")
    tasks: tuple[TaskRecord, ...]
    artifacts: Mapping[int, tuple[ArtifactRecord, ...]]

    def __init__(
        self,
        tasks: tuple[TaskRecord, ...],
        artifacts: Mapping[int, tuple[ArtifactRecord, ...]],
    ) -> None:
        init(self, "tasks", tasks)
        init(self, "artifacts", artifacts)


_NONE = type(None)
_NUMBER = {int, float}
# (field, the exact types its values may have) in the records' field order
TASK_COLUMNS: tuple[tuple[str, set[type]], ...] = (
    ("step_name", {str}),
    ("task_id", {int}),
    ("created_at", _NUMBER),
    ("attempt", {int}),
    ("status", {str}),
    ("started_at", _NUMBER | {_NONE}),
    ("finished_at", _NUMBER | {_NONE}),
    ("heartbeat_at", _NUMBER | {_NONE}),
    ("foreach_index", {int, _NONE}),
    ("foreach_stack", {list}),
    ("origin_pathspec", {str, _NONE}),
    ("stdout_key", {str, _NONE}),
    ("stderr_key", {str, _NONE}),
    ("env_key", {str, _NONE}),
    ("exception", {dict, _NONE}),
)
ARTIFACT_COLUMNS: tuple[tuple[str, set[type]], ...] = (
    ("task_id", {int}),
    ("name", {str}),
    ("sha", {str}),
    ("size", {int}),
    ("type_name", {str}),
    ("serializer", {str}),
    ("created_at", _NUMBER),
)


def to_wire(index: RunIndex) -> dict[str, Any]:
    """A JSON-able dict: {"tasks": {field: [...]}, "artifacts": {field: [...]}}."""
    tasks = index.tasks
    task_columns: dict[str, list[Any]] = {
        name: [getattr(t, name) for t in tasks] for name, _ in TASK_COLUMNS
    }
    task_columns["foreach_stack"] = [list(s) for s in task_columns["foreach_stack"]]
    task_columns["exception"] = [None if e is None else dict(e) for e in task_columns["exception"]]
    artifacts = [(task_id, a) for task_id, found in index.artifacts.items() for a in found]
    artifact_columns: dict[str, list[Any]] = {"task_id": [t for t, _ in artifacts]}
    for name, _ in ARTIFACT_COLUMNS[1:]:
        artifact_columns[name] = [getattr(a, name) for _, a in artifacts]
    return {"tasks": task_columns, "artifacts": artifact_columns}


Wrong = Callable[[str], Exception]


def from_wire(data: Any, flow_name: str, run_id: int, wrong: Wrong) -> RunIndex:
    """The RunIndex of `to_wire`'s dict for run `flow_name/run_id`; `wrong(expected)` is
    raised for any part of another shape."""
    tasks = _columns(data, "tasks", TASK_COLUMNS, wrong)
    artifacts = _columns(data, "artifacts", ARTIFACT_COLUMNS, wrong)
    tasks[9] = [tuple(stack) for stack in tasks[9]]  # foreach_stack, as records hold it
    records = tuple(TaskRecord(flow_name, run_id, *row) for row in zip(*tasks, strict=True))
    by_task: dict[int, list[ArtifactRecord]] = {}
    for task_id, *row in zip(*artifacts, strict=True):
        by_task.setdefault(task_id, []).append(ArtifactRecord(*row))
    return RunIndex(records, {t: tuple(found) for t, found in by_task.items()})


def _columns(
    data: Any, part: str, columns: tuple[tuple[str, set[type]], ...], wrong: Wrong
) -> list[list[Any]]:
    found = data.get(part) if isinstance(data, dict) else None
    if not isinstance(found, dict):
        raise wrong(f"a run index whose {part!r} is an object of columns")
    out: list[list[Any]] = []
    length: int | None = None
    for name, kinds in columns:
        column = found.get(name)
        if not isinstance(column, list) or (length is not None and len(column) != length):
            raise wrong(f"a run index whose {part}.{name} is a list as long as the others")
        length = len(column)
        bad = {type(v) for v in column} - kinds  # exact types: a bool is no int here
        if bad:
            raise wrong(f"a run index whose {part}.{name} holds no {bad.pop().__name__}")
        out.append(column)
    return out
