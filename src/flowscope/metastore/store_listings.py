"""The listings of `SqlMetadataStore`: pages of runs and lists of tasks, filtered by the query
language through the scalar index (`query_index`), as records or as rows with their values.

Thousands of rows decode at once here, so each listing pauses the garbage collector while it
builds its records (`gc_paused`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from flowscope.errors import QueryError
from flowscope.metastore import query_index
from flowscope.metastore.db import Connection, Row
from flowscope.metastore.records import Page, RunQuery, RunRecord, RunRow, TaskRecord, TaskRow
from flowscope.metastore.sqltext import (
    MAX_PAGE,
    TASK_COLUMNS,
    TASK_FROM_LATEST,
    gc_paused,
    run_from_row,
    runs_query,
    task_from_row,
)
from flowscope.metastore.store_base import StoreBase


class StoreListings(StoreBase):
    """Runs of a flow and tasks of a run, filtered and paged."""

    def _runs_page(
        self, conn: Connection, flow_name: str, query: RunQuery
    ) -> tuple[str, list[Any]]:
        cutoff = self._cutoff()
        if query.where is None:
            return runs_query(flow_name, query, cutoff, None)
        from flowscope.metastore.filter_sql import Target  # the filter language, for where= only

        target = Target("runs", flow_name, cutoff=cutoff)
        return runs_query(
            flow_name, query, cutoff, query_index.condition(conn, target, query.where)
        )

    def list_runs(self, flow_name: str, query: RunQuery = RunQuery()) -> Page:
        cutoff = self._cutoff()

        def work(conn: Connection) -> list[Row]:
            return conn.execute(*self._runs_page(conn, flow_name, query))

        with gc_paused():  # thousands of small objects at once: no collection passes midway
            rows = self.db.read(work)
            limit = min(max(query.limit, 1), MAX_PAGE)
            more = len(rows) > limit
            items = tuple(run_from_row(r, cutoff) for r in rows[:limit])
        return Page(items=items, cursor=str(items[-1].run_id) if more and items else None)

    def list_run_rows(self, flow_name: str, query: RunQuery = RunQuery()) -> Page:
        """A page of runs as RunRows (their scalar parameters and end-task artifacts), in one
        statement that returns one row per run; no blob is read."""
        cutoff = self._cutoff()
        dialect = self.db.dialect

        def work(conn: Connection) -> list[Row]:
            page_sql, params = self._runs_page(conn, flow_name, query)
            return conn.execute(*query_index.run_rows_sql(page_sql, params, flow_name, dialect))

        decode = query_index.decode_values
        with gc_paused():
            rows = self.db.read(work)
            limit = min(max(query.limit, 1), MAX_PAGE)
            more = len(rows) > limit
            items = tuple(
                RunRow(run_from_row(r, cutoff), decode(r[-2]), decode(r[-1])) for r in rows[:limit]
            )
        return Page(items=items, cursor=str(items[-1].run.run_id) if more and items else None)

    def _task_rows(
        self, flow_name: str, run_id: int, step_name: str | None, where: str | None, values: bool
    ) -> list[Row]:
        columns = TASK_COLUMNS + (
            query_index.task_values_columns(self.db.dialect) if values else ""
        )
        sql = f"SELECT {columns} {TASK_FROM_LATEST} WHERE t.flow_name = ? AND t.run_id = ?"
        params: list[Any] = [flow_name, run_id]
        if step_name is not None:
            sql += " AND t.step_name = ?"
            params.append(step_name)

        def work(conn: Connection) -> list[Row]:
            if where is None:
                return conn.execute(sql + " ORDER BY t.task_id", params)
            if step_name is None:
                raise QueryError("A tasks filter applies to the tasks of one step: name the step.")
            from flowscope.metastore.filter_sql import Target

            target = Target("tasks", flow_name, step_name=step_name, cutoff=self._cutoff())
            found = query_index.condition(conn, target, where)
            assert found is not None
            return conn.execute(f"{sql} AND ({found[0]}) ORDER BY t.task_id", params + found[1])

        return self.db.read(work)

    def list_tasks(
        self,
        flow_name: str,
        run_id: int,
        step_name: str | None = None,
        where: str | None = None,
    ) -> list[TaskRecord]:
        cutoff = self._cutoff()
        with gc_paused():
            rows = self._task_rows(flow_name, run_id, step_name, where, values=False)
            return [task_from_row(r, cutoff) for r in rows]

    def list_task_rows(
        self, flow_name: str, run_id: int, step_name: str, where: str | None = None
    ) -> list[TaskRow]:
        """The tasks `list_tasks` gives, with their scalar artifacts and foreach inputs."""
        cutoff = self._cutoff()
        decode = query_index.decode_values
        with gc_paused():
            rows = self._task_rows(flow_name, run_id, step_name, where, values=True)
            return [
                TaskRow(
                    task_from_row(r, cutoff),
                    decode(r[-2]),
                    None if r[-1] is None else json.loads(r[-1]),
                )
                for r in rows
            ]


def iter_all_runs(store: Any, flow_name: str, query: RunQuery = RunQuery()) -> Iterable[RunRecord]:
    """Every run matching `query`, following page cursors."""
    cursor = query.cursor
    while True:
        page = store.list_runs(flow_name, replace(query, cursor=cursor))
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor
