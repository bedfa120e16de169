"""The one query layer: every metadata question and write, as SQL over a `Database`.

Used directly by the embedded local provider, and by the service over PostgreSQL or
SQLite. Each public method is one transaction; each read the client makes is one indexed
query (listing runs, a run's steps, a step's tasks, a task's artifact index).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from flowscope.errors import (
    MetadataError,
    ObjectNotFound,
    QueryError,
    RunAlreadyFinished,
    TagError,
)
from flowscope.metastore import query_index
from flowscope.metastore.db import Connection, Database, Row
from flowscope.metastore.filter_sql import Target
from flowscope.metastore.records import (
    FAILED,
    RUNNING,
    SUCCEEDED,
    ArtifactRecord,
    AttemptResult,
    AttemptStart,
    Fact,
    FlowRecord,
    NewRun,
    NewTask,
    Page,
    RunQuery,
    RunRecord,
    RunRow,
    StepRecord,
    TaskRecord,
    TaskRow,
)
from flowscope.metastore.sqltext import (
    MAX_PAGE,
    RUN_COLUMNS,
    TASK_COLUMNS,
    TASK_FROM_LATEST,
    canonical_json,
    gc_paused,
    parse_tags,
    run_from_row,
    runs_query,
    task_from_row,
)
from flowscope.tags import validate_tag, validate_tags


class SqlMetadataStore:
    """The metadata provider over SQL. `lost_after`: seconds without a heartbeat after
    which a running run or attempt is reported as lost."""

    def __init__(
        self,
        db: Database,
        *,
        lost_after: float = 60.0,
        description: str | None = None,
        live_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.lost_after = lost_after
        self._description = description or f"sql@{db.describe()}"
        self._clock = clock
        self.live_dir = live_dir

    # ---- identity --------------------------------------------------------------------
    def describe(self) -> str:
        return self._description

    def close(self) -> None:
        self.db.close()

    # ---- conversions -----------------------------------------------------------------
    def _cutoff(self) -> float:
        return self._clock() - self.lost_after

    def _run(self, row: Row) -> RunRecord:
        return run_from_row(row, self._cutoff())

    def _task(self, row: Row) -> TaskRecord:
        return task_from_row(row, self._cutoff())

    # ---- writes ----------------------------------------------------------------------
    def create_run(self, run: NewRun, *, request_key: str | None = None) -> RunRecord:
        """Allocate the next run id of the flow and record the run.

        `request_key` (the service passes a client-generated idempotency key) makes a retried
        call return the run the first call created instead of creating a second one.
        """
        user_tags = validate_tags(run.user_tags)
        system_tags = validate_tags(run.system_tags)
        created = run.created_at if run.created_at is not None else self._clock()

        def work(conn: Connection) -> int:
            if request_key is not None:
                claimed = conn.execute(
                    "INSERT INTO run_requests (request_key, flow_name, run_id, created_at) "
                    "VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING RETURNING run_id",
                    (request_key, run.flow_name, created),
                )
                if not claimed:
                    seen = conn.execute(
                        "SELECT flow_name, run_id FROM run_requests WHERE request_key = ?",
                        (request_key,),
                    )
                    if seen[0][0] != run.flow_name:
                        raise MetadataError(
                            f"The request key {request_key!r} was already used to create a run "
                            f"of {seen[0][0]!r}, not {run.flow_name!r}; use a new key per run."
                        )
                    return int(seen[0][1])
            rows = conn.execute(
                "INSERT INTO flows (flow_name, created_at, last_run_id) VALUES (?, ?, 1) "
                "ON CONFLICT (flow_name) DO UPDATE SET last_run_id = flows.last_run_id + 1 "
                "RETURNING last_run_id",
                (run.flow_name, created),
            )
            run_id = int(rows[0][0])
            conn.execute(
                "INSERT INTO runs (flow_name, run_id, user_name, status, created_at, "
                "heartbeat_at, user_tags, system_tags, code_key, origin_run_id, command_line) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.flow_name,
                    run_id,
                    run.user,
                    RUNNING,
                    created,
                    created,
                    json.dumps(sorted(user_tags)),
                    json.dumps(sorted(system_tags)),
                    run.code_key,
                    run.origin_run_id,
                    run.command_line,
                ),
            )
            conn.executemany(
                "INSERT INTO run_tags (flow_name, run_id, tag, is_system) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [(run.flow_name, run_id, t, False) for t in user_tags]
                + [(run.flow_name, run_id, t, True) for t in system_tags],
            )
            conn.executemany(
                "INSERT INTO run_params (flow_name, run_id, name, value) VALUES (?, ?, ?, ?)",
                [(run.flow_name, run_id, k, canonical_json(v)) for k, v in run.parameters.items()],
            )
            query_index.record_parameters(conn, run.flow_name, run_id, run.parameters)
            if request_key is not None:
                conn.execute(
                    "UPDATE run_requests SET run_id = ? WHERE request_key = ?",
                    (run_id, request_key),
                )
            return run_id

        run_id = self.db.write(work)
        record = self.get_run(run.flow_name, run_id)
        assert record is not None
        return record

    def heartbeat(
        self,
        flow_name: str,
        run_id: int,
        tasks: Sequence[tuple[int, int]] = (),
        logs: Sequence[tuple[int, int, str | None, str | None]] = (),
        facts: Sequence[tuple[int, int, Fact]] = (),
    ) -> None:
        now = self._clock()

        def work(conn: Connection) -> None:
            conn.execute(
                "UPDATE runs SET heartbeat_at = ? WHERE flow_name = ? AND run_id = ?",
                (now, flow_name, run_id),
            )
            if tasks:
                conn.executemany(
                    "UPDATE attempts SET heartbeat_at = ? WHERE flow_name = ? AND run_id = ? "
                    "AND task_id = ? AND attempt = ? AND status = ?",
                    [(now, flow_name, run_id, t, a, RUNNING) for t, a in tasks],
                )
            if logs:  # output so far of running attempts; finish_attempts sets the final logs
                conn.executemany(
                    "UPDATE attempts SET stdout_key = COALESCE(?, stdout_key), "
                    "stderr_key = COALESCE(?, stderr_key) WHERE flow_name = ? AND run_id = ? "
                    "AND task_id = ? AND attempt = ? AND status = ?",
                    [(out, err, flow_name, run_id, t, a, RUNNING) for t, a, out, err in logs],
                )
            if facts:  # facts of running attempts so far; finish_attempts sets the final ones
                conn.executemany(
                    "INSERT INTO task_facts (flow_name, run_id, task_id, attempt, field, value, "
                    "type, created_at) SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 "
                    "FROM attempts WHERE flow_name = ? AND run_id = ? AND task_id = ? "
                    "AND attempt = ? AND status = ?) "
                    "ON CONFLICT (flow_name, run_id, task_id, attempt, field) "
                    "DO UPDATE SET value = excluded.value, type = excluded.type, "
                    "created_at = excluded.created_at",
                    [
                        (flow_name, run_id, t, a, f.field, f.value, f.type, f.created_at or now)
                        + (flow_name, run_id, t, a, RUNNING)
                        for t, a, f in facts
                    ],
                )

        self.db.write(work)

    def finish_run(self, flow_name: str, run_id: int, status: str) -> None:
        if status not in (SUCCEEDED, FAILED):
            raise MetadataError(f"A run can finish as succeeded or failed, not {status!r}.")
        now = self._clock()

        def work(conn: Connection) -> None:
            # only a running run changes: a finished run's status is final. Under PostgreSQL a
            # concurrent finish waits on the row lock, then finds the run no longer running.
            conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, heartbeat_at = ? "
                "WHERE flow_name = ? AND run_id = ? AND status = ?",
                (status, now, now, flow_name, run_id, RUNNING),
            )
            rows = conn.execute(
                "SELECT status FROM runs WHERE flow_name = ? AND run_id = ?", (flow_name, run_id)
            )
            if rows and rows[0][0] != status:  # the same finish again is a no-op
                raise RunAlreadyFinished(
                    f"Run('{flow_name}/{run_id}') already finished as {rows[0][0]}; a finished "
                    f"run's status is final, so it cannot become {status}."
                )
            # attempts still marked running belong to workers that are gone
            conn.execute(
                "UPDATE attempts SET status = ?, finished_at = ? "
                "WHERE flow_name = ? AND run_id = ? AND status = ?",
                (FAILED, now, flow_name, run_id, RUNNING),
            )

        self.db.write(work)

    def create_tasks(self, flow_name: str, run_id: int, tasks: Sequence[NewTask]) -> None:
        if not tasks:
            return
        now = self._clock()
        rows = [
            (
                flow_name,
                run_id,
                t.task_id,
                t.step_name,
                t.created_at if t.created_at is not None else now,
                t.foreach_index,
                json.dumps(list(t.foreach_stack)),
                t.origin_pathspec,
            )
            for t in tasks
        ]

        def work(conn: Connection) -> None:
            conn.executemany(
                "INSERT INTO tasks (flow_name, run_id, task_id, step_name, created_at, "
                "foreach_index, foreach_stack, origin_pathspec) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",  # a retried batch is a no-op
                rows,
            )

        self.db.write(work)

    def start_attempts(self, flow_name: str, run_id: int, attempts: Sequence[AttemptStart]) -> None:
        if not attempts:
            return
        now = self._clock()

        def work(conn: Connection) -> None:
            conn.executemany(
                "INSERT INTO attempts (flow_name, run_id, task_id, attempt, status, started_at, "
                "heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    (
                        flow_name,
                        run_id,
                        a.task_id,
                        a.attempt,
                        RUNNING,
                        a.started_at if a.started_at is not None else now,
                        now,
                    )
                    for a in attempts
                ],
            )
            conn.executemany(
                "UPDATE tasks SET last_attempt = ? WHERE flow_name = ? AND run_id = ? "
                "AND task_id = ? AND (last_attempt IS NULL OR last_attempt < ?)",
                [(a.attempt, flow_name, run_id, a.task_id, a.attempt) for a in attempts],
            )

        self.db.write(work)

    def finish_attempts(
        self, flow_name: str, run_id: int, results: Sequence[AttemptResult]
    ) -> None:
        if not results:
            return
        now = self._clock()
        for r in results:
            if r.status not in (SUCCEEDED, FAILED):
                raise MetadataError(
                    f"An attempt can finish as succeeded or failed, not {r.status!r} "
                    f"(task {flow_name}/{run_id}/{r.task_id}, attempt {r.attempt})."
                )

        def work(conn: Connection) -> None:
            conn.executemany(
                "UPDATE attempts SET status = ?, finished_at = ?, heartbeat_at = ?, "
                "stdout_key = ?, stderr_key = ?, env_key = ?, exception = ? "
                "WHERE flow_name = ? AND run_id = ? AND task_id = ? AND attempt = ?",
                [
                    (
                        r.status,
                        r.finished_at or now,
                        r.finished_at or now,
                        r.stdout_key,
                        r.stderr_key,
                        r.env_key,
                        None if r.exception is None else json.dumps(r.exception),
                        flow_name,
                        run_id,
                        r.task_id,
                        r.attempt,
                    )
                    for r in results
                ],
            )
            conn.executemany(
                "INSERT INTO artifacts (flow_name, run_id, task_id, attempt, name, sha, size, "
                "type_name, serializer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [
                    (
                        flow_name,
                        run_id,
                        r.task_id,
                        r.attempt,
                        a.name,
                        a.sha,
                        a.size,
                        a.type_name,
                        a.serializer,
                        a.created_at or r.finished_at or now,
                    )
                    for r in results
                    for a in r.artifacts
                ],
            )
            conn.executemany(
                "INSERT INTO task_facts (flow_name, run_id, task_id, attempt, field, value, "
                "type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (flow_name, run_id, task_id, attempt, field) "
                "DO UPDATE SET value = excluded.value, type = excluded.type",
                [
                    (
                        flow_name,
                        run_id,
                        r.task_id,
                        r.attempt,
                        f.field,
                        f.value,
                        f.type,
                        f.created_at or now,
                    )
                    for r in results
                    for f in r.facts
                ],
            )
            query_index.record_results(conn, flow_name, run_id, results)

        self.db.write(work)

    def update_tags(
        self, flow_name: str, run_id: int, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> RunRecord:
        to_add = validate_tags(add)
        to_remove = validate_tags(remove)

        def work(conn: Connection) -> None:
            # lock the row first, so concurrent tag updates serialize on PostgreSQL too
            # (READ COMMITTED); on SQLite the write transaction already does
            conn.execute(
                "UPDATE runs SET user_tags = user_tags WHERE flow_name = ? AND run_id = ?",
                (flow_name, run_id),
            )
            rows = conn.execute(
                "SELECT user_tags, system_tags FROM runs WHERE flow_name = ? AND run_id = ?",
                (flow_name, run_id),
            )
            if not rows:
                raise ObjectNotFound(f"Run('{flow_name}/{run_id}') does not exist")
            user, system = set(parse_tags(rows[0][0])), set(parse_tags(rows[0][1]))
            forbidden = sorted(t for t in to_remove if t in system)
            if forbidden:
                raise TagError(
                    f"Cannot remove system tag(s) {', '.join(map(repr, forbidden))} from "
                    f"Run('{flow_name}/{run_id}'): system tags are set by flowscope and are "
                    f"permanent. Nothing was changed."
                )
            new_user = (user - set(to_remove)) | (set(to_add) - system)
            conn.execute(
                "UPDATE runs SET user_tags = ? WHERE flow_name = ? AND run_id = ?",
                (json.dumps(sorted(new_user)), flow_name, run_id),
            )
            gone = user - new_user
            if gone:
                conn.executemany(
                    "DELETE FROM run_tags WHERE flow_name = ? AND run_id = ? AND tag = ? "
                    "AND is_system = ?",
                    [(flow_name, run_id, t, False) for t in gone],
                )
            conn.executemany(
                "INSERT INTO run_tags (flow_name, run_id, tag, is_system) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [(flow_name, run_id, t, False) for t in sorted(new_user - user)],
            )

        self.db.write(work)
        record = self.get_run(flow_name, run_id)
        assert record is not None
        return record

    # ---- reads -----------------------------------------------------------------------
    def list_flows(self, tag: str | None = None) -> list[FlowRecord]:
        if tag is None:
            sql = "SELECT flow_name, created_at FROM flows ORDER BY flow_name"
            params: tuple[str, ...] = ()
        else:
            sql = (
                "SELECT f.flow_name, f.created_at FROM flows f WHERE EXISTS (SELECT 1 FROM "
                "run_tags t WHERE t.tag = ? AND t.flow_name = f.flow_name) ORDER BY f.flow_name"
            )
            params = (validate_tag(tag),)
        rows = self.db.read(lambda c: c.execute(sql, params))
        return [FlowRecord(r[0], r[1]) for r in rows]

    def get_flow(self, flow_name: str) -> FlowRecord | None:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT flow_name, created_at FROM flows WHERE flow_name = ?", (flow_name,)
            )
        )
        return FlowRecord(rows[0][0], rows[0][1]) if rows else None

    def _runs_page(
        self, conn: Connection, flow_name: str, query: RunQuery
    ) -> tuple[str, list[Any]]:
        cutoff = self._cutoff()
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

    def get_run(self, flow_name: str, run_id: int) -> RunRecord | None:
        rows = self.db.read(
            lambda c: c.execute(
                f"SELECT {RUN_COLUMNS} FROM runs r WHERE r.flow_name = ? AND r.run_id = ?",
                (flow_name, run_id),
            )
        )
        return self._run(rows[0]) if rows else None

    def get_parameters(self, flow_name: str, run_id: int) -> dict[str, Any]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT name, value FROM run_params WHERE flow_name = ? AND run_id = ? "
                "ORDER BY name",
                (flow_name, run_id),
            )
        )
        return {name: json.loads(value) for name, value in rows}

    def list_steps(self, flow_name: str, run_id: int) -> list[StepRecord]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT t.step_name, MIN(t.created_at), MAX(a.finished_at), COUNT(*), "
                "SUM(CASE WHEN a.finished_at IS NULL THEN 1 ELSE 0 END) "
                f"{TASK_FROM_LATEST} WHERE t.flow_name = ? AND t.run_id = ? "
                "GROUP BY t.step_name ORDER BY MIN(t.created_at), t.step_name",
                (flow_name, run_id),
            )
        )
        return [
            StepRecord(
                flow_name=flow_name,
                run_id=int(run_id),
                step_name=r[0],
                created_at=r[1],
                finished_at=r[2] if int(r[4] or 0) == 0 else None,
                task_count=int(r[3]),
            )
            for r in rows
        ]

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

    def get_task(
        self, flow_name: str, run_id: int, task_id: int, attempt: int | None = None
    ) -> TaskRecord | None:
        if attempt is None:
            sql = f"SELECT {TASK_COLUMNS} {TASK_FROM_LATEST} "
            params: tuple[Any, ...] = (flow_name, run_id, task_id)
        else:
            sql = (
                f"SELECT {TASK_COLUMNS} FROM tasks t JOIN attempts a ON "
                "a.flow_name = t.flow_name AND a.run_id = t.run_id AND a.task_id = t.task_id "
                "AND a.attempt = ? "
            )
            params = (attempt, flow_name, run_id, task_id)
        sql += "WHERE t.flow_name = ? AND t.run_id = ? AND t.task_id = ?"
        rows = self.db.read(lambda c: c.execute(sql, params))
        return self._task(rows[0]) if rows else None

    def list_artifacts(
        self, flow_name: str, run_id: int, task_id: int, attempt: int
    ) -> list[ArtifactRecord]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT name, sha, size, type_name, serializer, created_at FROM artifacts "
                "WHERE flow_name = ? AND run_id = ? AND task_id = ? AND attempt = ? ORDER BY name",
                (flow_name, run_id, task_id, attempt),
            )
        )
        return [ArtifactRecord(*r) for r in rows]

    def list_step_artifacts(
        self, flow_name: str, run_id: int, step_name: str, names: Sequence[str] = ()
    ) -> dict[int, list[ArtifactRecord]]:
        sql = (
            "SELECT t.task_id, x.name, x.sha, x.size, x.type_name, x.serializer, x.created_at "
            "FROM tasks t JOIN artifacts x ON x.flow_name = t.flow_name AND x.run_id = t.run_id "
            "AND x.task_id = t.task_id AND x.attempt = t.last_attempt "
            "WHERE t.flow_name = ? AND t.run_id = ? AND t.step_name = ?"
        )
        params: list[Any] = [flow_name, run_id, step_name]
        if names:
            sql += f" AND x.name IN ({', '.join('?' * len(names))})"
            params.extend(names)
        rows = self.db.read(lambda c: c.execute(sql + " ORDER BY t.task_id, x.name", params))
        found: dict[int, list[ArtifactRecord]] = {}
        for r in rows:
            found.setdefault(int(r[0]), []).append(ArtifactRecord(*r[1:]))
        return found

    def list_facts(self, flow_name: str, run_id: int, task_id: int, attempt: int) -> list[Fact]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT field, value, type, created_at FROM task_facts WHERE flow_name = ? "
                "AND run_id = ? AND task_id = ? AND attempt = ? ORDER BY field",
                (flow_name, run_id, task_id, attempt),
            )
        )
        return [Fact(*r) for r in rows]

    def live_log_dir(self) -> Path | None:
        return self.live_dir

    def read_live_log(
        self, flow_name: str, run_id: int, task_id: int, attempt: int, stream: str
    ) -> bytes | None:
        if self.live_dir is None or stream not in ("stdout", "stderr"):
            return None
        path = live_log_path(self.live_dir, flow_name, run_id, task_id, attempt, stream)
        try:
            return path.read_bytes()
        except OSError:
            return None


def live_log_path(
    live_dir: Path, flow_name: str, run_id: int, task_id: int, attempt: int, stream: str
) -> Path:
    """Where a running attempt's log is appended to while it runs (local mode)."""
    return live_dir / flow_name / str(int(run_id)) / f"{int(task_id)}.{int(attempt)}.{stream}"


def iter_all_runs(store: Any, flow_name: str, query: RunQuery = RunQuery()) -> Iterable[RunRecord]:
    """Every run matching `query`, following page cursors."""
    from dataclasses import replace

    cursor = query.cursor
    while True:
        page = store.list_runs(flow_name, replace(query, cursor=cursor))
        yield from page.items
        if page.cursor is None:
            return
        cursor = page.cursor
