"""A run's tasks with their latest attempts' artifact records, in one call (`RunIndex`), and
its columnar wire form. Pure.

This is what a run diff reads of each run: every task, and the index of every task's
artifacts (names, content hashes and the inline copies of small blobs), without loading an
artifact. On the wire each field is one array (a column, `metastore/columns.py`), so
thousands of records cost one JSON array per field rather than one object each, and are
checked a column at a time. A service from before inline copies sends no `inline` column:
its records read with none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flowscope.frozen import Frozen, init
from flowscope.metastore import columns
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


def _inline(record: ArtifactRecord) -> str | None:
    return record.inline


def to_wire(index: RunIndex) -> dict[str, Any]:
    """A JSON-able dict: {"tasks": {field: [...]}, "artifacts": {field: [...]}}."""
    tasks = columns.tasks_to_wire(index.tasks)["columns"]
    return {"tasks": tasks, "artifacts": columns.artifact_columns(index.artifacts, _inline)}


Wrong = Callable[[str], Exception]


def from_wire(data: Any, flow_name: str, run_id: int, wrong: Wrong) -> RunIndex:
    """The RunIndex of `to_wire`'s dict for run `flow_name/run_id`; `wrong(expected)` is
    raised for any part of another shape."""
    found = data if isinstance(data, dict) else {}
    tasks = columns.task_records(
        found.get("tasks"), flow_name, run_id, "a run index's tasks", wrong
    )
    by_task = columns.artifact_records(found.get("artifacts"), "a run index's artifacts", wrong)
    return RunIndex(tuple(tasks), {t: tuple(records) for t, records in by_task.items()})
