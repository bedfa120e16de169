"""`Flow.runs(...)`: a lazy, paged iterator of runs that can also become a DataFrame.

Iterating asks the provider for one page at a time, newest first, as before. `to_pandas()`
asks for the same runs again as rows (run facts, scalar parameters, the end task's scalar
artifacts): one provider call per page, no artifact blob loaded. pandas is imported there
only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from flowscope.client.base import did_you_mean, to_datetime
from flowscope.errors import FlowscopeError, QueryError

if TYPE_CHECKING:
    from flowscope.client.run import Run
    from flowscope.metastore.provider import MetadataProvider
    from flowscope.metastore.records import RunQuery, RunRow

FIXED_COLUMNS = ("id", "status", "user", "started_at", "finished_at", "duration", "tags")


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
        try:
            import pandas  # type: ignore[import-untyped]  # optional: only this method needs it
        except ImportError:
            raise FlowscopeError(
                "to_pandas() needs pandas, which is not installed: pip install 'flowscope[data]'."
            ) from None

        records = [_row(r) for r in self.rows()]
        names = list(FIXED_COLUMNS)
        extra = sorted({k for r in records for k in r if k not in FIXED_COLUMNS})
        names += [k for k in extra if k.startswith("params.")]
        names += [k for k in extra if k.startswith("data.")]
        if columns is not None:
            if isinstance(columns, str):
                columns = [columns]
            for c in columns:
                if c not in names:
                    hint = did_you_mean(str(c), names)
                    raise QueryError(
                        f"Unknown column {c!r} for to_pandas(): no selected run has it"
                        + (f"; {hint}" if hint else "")
                    )
            names = list(columns)
        return pandas.DataFrame.from_records(records, columns=names)


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
