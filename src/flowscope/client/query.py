"""`Flow.runs(...)` and `Step.tasks(...)`: lazy iterators that can also become DataFrames.

Iterating a RunList asks the provider for one page at a time, newest first, as before.
`to_pandas()` asks for the same runs again as rows (run facts, scalar parameters, the end
task's scalar artifacts): one provider call per page, no artifact blob loaded. A TaskList does
the same for the tasks of a step (one call). pandas is imported by `to_pandas` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flowscope.client.base import did_you_mean, visible
from flowscope.errors import FlowscopeError, QueryError
from flowscope.frozen import replace

if TYPE_CHECKING:
    from flowscope.client.run import Run
    from flowscope.client.task import Task
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.queries import RunQuery, RunRow


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
        in that order. Reads the whole selection (independently of any iteration): one
        provider call per page of runs as columns (`list_run_table`), no artifact blob."""
        from flowscope.metastore.run_table import unpack  # to_pandas only: not for `import`

        pandas = _pandas()
        ids: list[int] = []
        users: list[str] = []
        statuses: list[str] = []
        created: list[float] = []
        finished: list[float | None] = []
        tags: list[tuple[str, ...]] = []
        params: dict[str, list[Any]] = {}
        data: dict[str, list[Any]] = {}
        query = self._query
        while True:
            table = self._provider.list_run_table(self._flow_name, query)
            done = len(ids)
            ids += table.run_ids
            users += table.users
            statuses += table.statuses
            created += table.created_at
            finished += table.finished_at
            tags += table.tags
            _extend(params, unpack(table.params, "params."), done, len(ids))
            _extend(data, unpack(table.data, "data."), done, len(ids))
            if table.cursor is None:
                break
            query = replace(query, cursor=table.cursor)
        fixed: dict[str, Any] = {
            "id": [str(r) for r in ids],
            "status": statuses,
            "user": users,
            "started_at": Times(created),
            "finished_at": Times(finished),
            "duration": [
                None if f is None else f - c for c, f in zip(created, finished, strict=True)
            ],
            "tags": tags,
        }
        return frame(pandas, fixed, {**params, **data}, columns, "run")


def _extend(into: dict[str, list[Any]], page: dict[str, list[Any]], done: int, total: int) -> None:
    """Append a page's columns to `into` (rows done..total), None where one has no value."""
    for name, column in page.items():
        into.setdefault(name, [None] * done).extend(column)
    for column in into.values():
        if len(column) < total:
            column.extend([None] * (total - len(column)))


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
        pandas = _pandas()
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
        return frame(pandas, fixed, _columns([r.data for r in rows], "data."), columns, "task")


class Times(list[float | None]):
    """A column of epoch seconds, made aware UTC datetimes by `frame` (vectorized)."""


def _pandas() -> Any:
    try:
        import pandas  # type: ignore[import-untyped]  # optional: only to_pandas needs it
    except ImportError:
        raise FlowscopeError(
            "to_pandas() needs pandas, which is not installed: pip install 'flowscope[data]'."
        ) from None
    return pandas


def _columns(rows: list[Mapping[str, Any]], prefix: str) -> dict[str, list[Any]]:
    """Columns `prefix + key`, sorted, from one mapping per row (None where a row has none)."""
    keys = sorted({k for r in rows for k in r})
    return {prefix + k: [r.get(k) for r in rows] for k in keys}


def frame(
    pandas: Any,
    fixed: dict[str, Any],
    values: dict[str, list[Any]],
    columns: Sequence[str] | None,
    what: str,
) -> Any:
    """A DataFrame: the fixed columns, then the value columns (`params.NAME`, `data.NAME`;
    a missing value is None; hidden `_` names left out), built once from the columns."""
    values = {k: v for k, v in values.items() if visible(k.partition(".")[2])}
    names = [*fixed, *values]
    if columns is not None:
        if isinstance(columns, str):
            columns = [columns]
        for c in columns:
            if c not in fixed and c not in values:
                hint = did_you_mean(str(c), names)
                raise QueryError(
                    f"Unknown column {c!r} for to_pandas(): no selected {what} has it"
                    + (f"; {hint}" if hint else "")
                )
        names = list(dict.fromkeys(columns))
    built: dict[str, Any] = {}
    for name in names:
        column = fixed[name] if name in fixed else values[name]
        if isinstance(column, Times):
            column = pandas.to_datetime(pandas.Series(column, dtype="float64"), unit="s", utc=True)
        built[name] = column
    return pandas.DataFrame(built, columns=names)
