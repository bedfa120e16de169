"""The listings of `SqlMetadataStore`: pages of runs and lists of tasks, filtered by the query
language through the scalar index (`query_index`), as records or as rows with their values.

Thousands of rows decode at once here, so each listing pauses the garbage collector while it
builds its records (`gc_paused`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flowscope.errors import QueryError
from flowscope.frozen import replace
from flowscope.metastore import query_index
from flowscope.metastore.db import Connection, Row
from flowscope.metastore.queries import Page, RunQuery, RunRow, TaskRow
from flowscope.metastore.records import ArtifactRecord, RunRecord, TaskRecord
from flowscope.metastore.run_index import RunIndex
from flowscope.metastore.run_table import Packed, PackedScope, RunTable
from flowscope.metastore.sqltext import (
    MAX_PAGE,
    TASK_COLUMNS,
    TASK_FROM_LATEST,
    gc_paused,
    live_status,
    parse_tags,
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

    def list_run_table(self, flow_name: str, query: RunQuery = RunQuery()) -> RunTable:
        """The same page as `list_runs`, as columns with each run's packed values (the
        `run_values` rows; a run without them is packed from the scalar tables here)."""
        cutoff = self._cutoff()
        limit = min(max(query.limit, 1), MAX_PAGE)

        def work(conn: Connection) -> tuple[list[Row], dict[str, dict[int, Packed]]]:
            page_sql, params = self._runs_page(conn, flow_name, query)
            rows = conn.execute(*query_index.table_sql(page_sql, params))
            rows.sort(key=_run_id, reverse=True)  # newest first
            late: dict[str, dict[int, Packed]] = {}
            for scope, at in (("params", 8), ("data", 12)):
                missing = [int(r[0]) for r in rows[:limit] if r[at] is None]
                if missing:
                    late[scope] = query_index.packed_from_scalars(conn, flow_name, missing, scope)
            return rows, late

        with gc_paused():
            rows, late = self.db.read(work)
            cursor = str(rows[limit - 1][0]) if len(rows) > limit else None
            return table_from_rows(rows[:limit], late, cutoff, cursor)

    def check_filter(self, flow_name: str, where: str, step_name: str | None = None) -> None:
        """Raise QueryError unless `where` is a valid filter of the runs of `flow_name` (or,
        with `step_name`, of the tasks of that step): parsed and compiled, no row read."""
        from flowscope.metastore.filter_sql import Target

        target = (
            Target("runs", flow_name)
            if step_name is None
            else Target("tasks", flow_name, step_name=step_name)
        )
        self.db.read(lambda conn: query_index.condition(conn, target, where))

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

    def list_run_index(self, flow_name: str, run_id: int) -> RunIndex:
        """Every task of the run (as `list_tasks`) and the artifact records of each one's
        latest attempt (as `list_step_artifacts`, for all steps, inline copies included),
        in one read."""
        cutoff = self._cutoff()
        sql = (
            "SELECT t.task_id, x.name, x.sha, x.size, x.type_name, x.serializer, x.created_at, "
            "x.inline_blob "
            "FROM tasks t JOIN artifacts x ON x.flow_name = t.flow_name AND x.run_id = t.run_id "
            "AND x.task_id = t.task_id AND x.attempt = t.last_attempt "
            "WHERE t.flow_name = ? AND t.run_id = ? ORDER BY t.task_id, x.name"
        )

        def work(conn: Connection) -> tuple[list[Row], list[Row]]:
            tasks = conn.execute(
                f"SELECT {TASK_COLUMNS} {TASK_FROM_LATEST} WHERE t.flow_name = ? "
                "AND t.run_id = ? ORDER BY t.task_id",
                [flow_name, run_id],
            )
            return tasks, conn.execute(sql, [flow_name, run_id])

        with gc_paused():
            tasks, artifacts = self.db.read(work)
            found: dict[int, list[ArtifactRecord]] = {}
            for r in artifacts:
                record = ArtifactRecord(r[1], r[2], r[3], r[4], r[5], r[6], inline=r[7])
                found.setdefault(int(r[0]), []).append(record)
            return RunIndex(
                tuple(task_from_row(r, cutoff) for r in tasks),
                {task_id: tuple(records) for task_id, records in found.items()},
            )

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


def _run_id(row: Row) -> int:
    return int(row[0])


def table_from_rows(
    rows: list[Row], late: dict[str, dict[int, Packed]], cutoff: float, cursor: str | None
) -> RunTable:
    """A RunTable from `query_index.table_sql` rows; `late` has the packed values of runs
    without a `run_values` row, by scope."""
    if not rows:
        return RunTable((), (), (), (), (), (), PackedScope(), PackedScope(), cursor)
    cols = list(zip(*rows, strict=True))
    run_ids = tuple(int(r) for r in cols[0])
    tags: dict[tuple[str, str], tuple[str, ...]] = {}
    for key in set(zip(cols[6], cols[7], strict=True)):
        tags[key] = tuple(sorted(set(parse_tags(key[0])) | set(parse_tags(key[1]))))
    scopes = []
    for scope, at in (("params", 8), ("data", 12)):
        filled = late.get(scope, {})
        packed: list[Packed | None] = [
            (names, kinds, bytes(nums), texts) if names is not None else filled.get(run_id)
            for run_id, names, kinds, nums, texts in zip(
                run_ids, cols[at], cols[at + 1], cols[at + 2], cols[at + 3], strict=True
            )
        ]
        scopes.append(PackedScope.of(packed))
    return RunTable(
        run_ids=run_ids,
        users=cols[1],
        statuses=tuple(
            live_status(s, h, c, cutoff) for s, h, c in zip(cols[2], cols[5], cols[3], strict=True)
        ),
        created_at=cols[3],
        finished_at=cols[4],
        tags=tuple(tags[key] for key in zip(cols[6], cols[7], strict=True)),
        params=scopes[0],
        data=scopes[1],
        cursor=cursor,
    )


def iter_all_runs(store: Any, flow_name: str, query: RunQuery = RunQuery()) -> Iterable[RunRecord]:
    """Every run matching `query`, following page cursors."""
    cursor = query.cursor
    while True:
        page = store.list_runs(flow_name, replace(query, cursor=cursor))
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor
