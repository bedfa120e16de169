"""`Flow.runs(...)` and `Step.tasks(...)`: lazy iterators that can also become DataFrames.

Iterating a RunList asks the provider for one page at a time, newest first, as before.
`to_pandas()` asks for the same runs again as rows (run facts, scalar parameters, the end
task's scalar artifacts): one provider call per page, no artifact blob loaded. A TaskList does
the same for the tasks of a step (one call). pandas is imported by `to_pandas` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flowscope.client.base import did_you_mean, to_datetime
from flowscope.errors import FlowscopeError, QueryError

if TYPE_CHECKING:
    from flowscope.client.run import Run
    from flowscope.client.task import Task
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunQuery, RunRow, TaskRow

FIXED_COLUMNS = ("id", "status", "user", "started_at", "finished_at", "duration", "tags")
TASK_COLUMNS = ("id", "status", "started_at", "finished_at", "duration", "index", "input")


class RunList(Iterator["Run"]):
    """The runs a `Flow.runs(...)` call selects. Iterate it (lazily, newest first), or call
    `to_pandas()` for a table of them."""

    def __init__(
        self,
        provider: MetadataProvider,
        flow_name: str,
        query: RunQuery,
        make: Callable[[RunQuery], Iterator[Run]],
    ) -> None:
        self._provider = provider
        self._flow_name = flow_name
        self._query = query
        self._make = make
        self._it: Iterator[Run] | None = None

    def __repr__(self) -> str:
        where = f", where={self._query.where!r}" if self._query.where else ""
        return f"<runs of Flow({self._flow_name!r}){where}>"

    def __iter__(self) -> RunList:
        return self

    def __next__(self) -> Run:
        if self._it is None:
            self._it = self._make(self._query)
        return next(self._it)

    def rows(self) -> Iterator[RunRow]:
        """Every selected run as a RunRow, following page cursors (one call per page)."""
        query = self._query
        while True:
            page = self._provider.list_run_rows(self._flow_name, query)
            yield from page.items
            if page.cursor is None:
                return
            query = replace(query, cursor=page.cursor)

    def to_pandas(self, columns: Sequence[str] | None = None) -> Any:
        """One row per run, newest first: id, status, user, started_at, finished_at,
        duration (seconds), tags, then `params.NAME` for every scalar parameter and
        `data.NAME` for every scalar artifact of the end task. `columns` keeps those named,
        in that order. Reads the whole selection (independently of any iteration)."""
        return frame([_row(r) for r in self.rows()], FIXED_COLUMNS, columns, "run")


class TaskList(Iterator["Task"]):
    """The tasks a `Step.tasks(...)` call selects: iterate it, or call `to_pandas()`."""

    def __init__(
        self,
        provider: MetadataProvider,
        components: tuple[str, ...],
        where: str | None,
        tasks: Iterator[Task],
        empty: bool = False,
    ) -> None:
        self._provider = provider
        self._components = components
        self._where = where
        self._tasks = tasks
        self._empty = empty

    def __iter__(self) -> TaskList:
        return self

    def __next__(self) -> Task:
        return next(self._tasks)

    def to_pandas(self, columns: Sequence[str] | None = None) -> Any:
        """One row per task, newest first: id, status, started_at, finished_at, duration,
        index (in the foreach), input (the foreach item, when a scalar), then `data.NAME` for
        every scalar artifact. `columns` keeps those named, in that order."""
        flow, run_id, step = self._components
        rows = (
            []
            if self._empty
            else self._provider.list_task_rows(flow, int(run_id), step, self._where)
        )
        return frame([_task_row(r) for r in reversed(rows)], TASK_COLUMNS, columns, "task")


def frame(
    records: list[dict[str, Any]], fixed: Sequence[str], columns: Sequence[str] | None, what: str
) -> Any:
    """A DataFrame of `records`: the fixed columns, then params.*, then data.* (sorted)."""
    try:
        import pandas  # type: ignore[import-untyped]  # optional: only to_pandas needs it
    except ImportError:
        raise FlowscopeError(
            "to_pandas() needs pandas, which is not installed: pip install 'flowscope[data]'."
        ) from None
    names = list(fixed)
    extra = sorted({k for r in records for k in r if k not in fixed})
    names += [k for k in extra if k.startswith("params.")]
    names += [k for k in extra if k.startswith("data.")]
    if columns is not None:
        if isinstance(columns, str):
            columns = [columns]
        for c in columns:
            if c not in names:
                hint = did_you_mean(str(c), names)
                raise QueryError(
                    f"Unknown column {c!r} for to_pandas(): no selected {what} has it"
                    + (f"; {hint}" if hint else "")
                )
        names = list(columns)
    return pandas.DataFrame.from_records(records, columns=names)


def _task_row(row: TaskRow) -> dict[str, Any]:
    task = row.task
    done = task.finished_at is not None and task.started_at is not None
    out: dict[str, Any] = {
        "id": str(task.task_id),
        "status": task.status,
        "started_at": to_datetime(task.started_at),
        "finished_at": to_datetime(task.finished_at),
        "duration": task.finished_at - task.started_at if done else None,  # type: ignore[operator]
        "index": task.foreach_index,
        "input": row.input,
    }
    out.update((f"data.{k}", v) for k, v in row.data.items())
    return out


def _row(row: RunRow) -> dict[str, Any]:
    run = row.run
    out: dict[str, Any] = {
        "id": str(run.run_id),
        "status": run.status,
        "user": run.user,
        "started_at": to_datetime(run.created_at),
        "finished_at": to_datetime(run.finished_at),
        "duration": None if run.finished_at is None else run.finished_at - run.created_at,
        "tags": run.tags,
    }
    out.update((f"params.{k}", v) for k, v in row.params.items())
    out.update((f"data.{k}", v) for k, v in row.data.items())
    return out
