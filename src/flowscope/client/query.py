"""`Flow.runs(...)` and `Step.tasks(...)`: lazy iterators that can also become DataFrames.

Iterating a RunList asks the provider for one page at a time, newest first, as before.
`to_pandas()` asks for the same runs again as rows (run facts, scalar parameters, the end
task's scalar artifacts): one provider call per page, no artifact blob loaded. A TaskList does
the same for the tasks of a step (one call). pandas is imported by `to_pandas` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flowscope.client.base import did_you_mean, visible
from flowscope.errors import FlowscopeError, QueryError

if TYPE_CHECKING:
    from flowscope.client.run import Run
    from flowscope.client.task import Task
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunQuery, RunRow


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
        rows = list(self.rows())
        runs = [r.run for r in rows]
        fixed: dict[str, Any] = {
            "id": [str(r.run_id) for r in runs],
            "status": [r.status for r in runs],
            "user": [r.user for r in runs],
            "started_at": Times([r.created_at for r in runs]),
            "finished_at": Times([r.finished_at for r in runs]),
            "duration": [
                None if r.finished_at is None else r.finished_at - r.created_at for r in runs
            ],
            "tags": [r.tags for r in runs],
        }
        return frame(fixed, [r.params for r in rows], [r.data for r in rows], columns, "run")


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
        rows.reverse()  # newest first, as iteration yields them
        tasks = [r.task for r in rows]
        fixed: dict[str, Any] = {
            "id": [str(t.task_id) for t in tasks],
            "status": [t.status for t in tasks],
            "started_at": Times([t.started_at for t in tasks]),
            "finished_at": Times([t.finished_at for t in tasks]),
            "duration": [
                None
                if t.finished_at is None or t.started_at is None
                else t.finished_at - t.started_at
                for t in tasks
            ],
            "index": [t.foreach_index for t in tasks],
            "input": [r.input for r in rows],
        }
        return frame(fixed, [{} for _ in rows], [r.data for r in rows], columns, "task")


class Times(list[float | None]):
    """A column of epoch seconds, made aware UTC datetimes by `frame` (vectorized)."""


def frame(
    fixed: dict[str, Any],
    params: list[Mapping[str, Any]],
    data: list[Mapping[str, Any]],
    columns: Sequence[str] | None,
    what: str,
) -> Any:
    """A DataFrame: the fixed columns, then `params.NAME` and `data.NAME` (sorted) from one
    mapping per row each (a missing value is None; hidden `_` artifacts left out)."""
    try:
        import pandas  # type: ignore[import-untyped]  # optional: only to_pandas needs it
    except ImportError:
        raise FlowscopeError(
            "to_pandas() needs pandas, which is not installed: pip install 'flowscope[data]'."
        ) from None
    sources: dict[str, tuple[list[Mapping[str, Any]], str]] = {}
    for prefix, rows in (("params.", params), ("data.", data)):
        for key in sorted({k for r in rows for k in r if visible(k)}):
            sources[prefix + key] = (rows, key)
    names = [*fixed, *sources]
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
        names = list(dict.fromkeys(columns))
    built: dict[str, Any] = {}
    for name in names:
        if name in fixed:
            column = fixed[name]
            if isinstance(column, Times):
                column = pandas.to_datetime(
                    pandas.Series(column, dtype="float64"), unit="s", utc=True
                )
            built[name] = column
        else:
            rows, key = sources[name]
            built[name] = pandas.Series([r.get(key) for r in rows], dtype="object")
    return pandas.DataFrame(built, columns=names).infer_objects()
