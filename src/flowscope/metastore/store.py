"""The one query layer: every metadata question and write, as SQL over a `Database`.

Used directly by the embedded local provider, and by the service over PostgreSQL or
SQLite. Each public method is one transaction; each read the client makes is one indexed
query (listing runs, a run's steps, a step's tasks, a task's artifact index).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from flowscope.errors import MetadataError, ObjectNotFound, TagError
from flowscope.metastore.db import Connection, Database, Row
from flowscope.metastore.records import (
    FAILED,
    LOST,
    PENDING,
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
    StepRecord,
    TaskRecord,
)
from flowscope.tags import validate_tag, validate_tags

if TYPE_CHECKING:
    from flowscope.datastore import ContentStore

RUN_STATUSES = frozenset({RUNNING, SUCCEEDED, FAILED})
ATTEMPT_STATUSES = frozenset({RUNNING, SUCCEEDED, FAILED})
MAX_PAGE = 10_000


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def _tags(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text != "[]" else ()


_RUN_COLUMNS = (
    "r.flow_name, r.run_id, r.user_name, r.status, r.created_at, r.finished_at, "
    "r.heartbeat_at, r.user_tags, r.system_tags, r.code_key, r.origin_run_id"
)

_TASK_COLUMNS = (
    "t.flow_name, t.run_id, t.step_name, t.task_id, t.created_at, a.attempt, a.status, "
    "a.started_at, a.finished_at, a.heartbeat_at, t.foreach_index, t.foreach_stack, "
    "t.origin_pathspec, a.stdout_key, a.stderr_key, a.env_key, a.exception"
)

_TASK_FROM_LATEST = (
    "FROM tasks t LEFT JOIN attempts a ON a.flow_name = t.flow_name AND a.run_id = t.run_id "
    "AND a.task_id = t.task_id AND a.attempt = t.last_attempt"
)


class SqlMetadataStore:
    """The metadata provider over SQL. `lost_after`: seconds without a heartbeat after
    which a running run or attempt is reported as lost."""

    def __init__(
        self,
        db: Database,
        *,
        lost_after: float = 60.0,
        blobs: "Callable[[], ContentStore] | None" = None,
        description: str | None = None,
        live_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.lost_after = lost_after
        self._blobs = blobs
        self._content_store: ContentStore | None = None
        self._description = description or f"sql@{db.describe()}"
        self._clock = clock
        self.live_dir = live_dir

    # ---- identity --------------------------------------------------------------------
    def describe(self) -> str:
        return self._description

    def content_store(self) -> "ContentStore":
        if self._content_store is None:
            if self._blobs is None:
                raise MetadataError(f"{self.describe()} has no artifact store configured.")
            self._content_store = self._blobs()
        return self._content_store

    def close(self) -> None:
        self.db.close()

    # ---- conversions -----------------------------------------------------------------
    def _live_status(self, status: str, heartbeat_at: float | None, since: float | None) -> str:
        if status == RUNNING:
            last = heartbeat_at if heartbeat_at is not None else since
            if last is not None and last < self._clock() - self.lost_after:
                return LOST
        return status

    def _run(self, row: Row) -> RunRecord:
        return RunRecord(
            flow_name=row[0],
            run_id=int(row[1]),
            user=row[2],
            status=self._live_status(row[3], row[6], row[4]),
            created_at=row[4],
            finished_at=row[5],
            heartbeat_at=row[6],
            user_tags=_tags(row[7]),
            system_tags=_tags(row[8]),
            code_key=row[9],
            origin_run_id=None if row[10] is None else int(row[10]),
        )

    def _task(self, row: Row) -> TaskRecord:
        attempt = row[5]
        status = PENDING if attempt is None else self._live_status(row[6], row[9], row[7])
        return TaskRecord(
            flow_name=row[0],
            run_id=int(row[1]),
            step_name=row[2],
            task_id=int(row[3]),
            created_at=row[4],
            attempt=0 if attempt is None else int(attempt),
            status=status,
            started_at=row[7],
            finished_at=row[8],
            heartbeat_at=row[9],
            foreach_index=None if row[10] is None else int(row[10]),
            foreach_stack=tuple(json.loads(row[11])),
            origin_pathspec=row[12],
            stdout_key=row[13],
            stderr_key=row[14],
            env_key=row[15],
            exception=None if row[16] is None else json.loads(row[16]),
        )

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
                "heartbeat_at, user_tags, system_tags, code_key, origin_run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.flow_name, run_id, run.user, RUNNING, created, created,
                    json.dumps(sorted(user_tags)), json.dumps(sorted(system_tags)),
                    run.code_key, run.origin_run_id,
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

    def heartbeat(self, flow_name: str, run_id: int, tasks: Sequence[tuple[int, int]] = ()) -> None:
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

        self.db.write(work)

    def finish_run(self, flow_name: str, run_id: int, status: str) -> None:
        if status not in (SUCCEEDED, FAILED):
            raise MetadataError(f"A run can finish as succeeded or failed, not {status!r}.")
        now = self._clock()

        def work(conn: Connection) -> None:
            conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, heartbeat_at = ? "
                "WHERE flow_name = ? AND run_id = ?",
                (status, now, now, flow_name, run_id),
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
                flow_name, run_id, t.task_id, t.step_name,
                t.created_at if t.created_at is not None else now,
                t.foreach_index, json.dumps(list(t.foreach_stack)), t.origin_pathspec,
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
                    (flow_name, run_id, a.task_id, a.attempt, RUNNING,
                     a.started_at if a.started_at is not None else now, now)
                    for a in attempts
                ],
            )
            conn.executemany(
                "UPDATE tasks SET last_attempt = ? WHERE flow_name = ? AND run_id = ? "
                "AND task_id = ? AND (last_attempt IS NULL OR last_attempt < ?)",
                [(a.attempt, flow_name, run_id, a.task_id, a.attempt) for a in attempts],
            )

        self.db.write(work)

    def finish_attempts(self, flow_name: str, run_id: int, results: Sequence[AttemptResult]) -> None:
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
                        r.status, r.finished_at or now, r.finished_at or now,
                        r.stdout_key, r.stderr_key, r.env_key,
                        None if r.exception is None else json.dumps(r.exception),
                        flow_name, run_id, r.task_id, r.attempt,
                    )
                    for r in results
                ],
            )
            conn.executemany(
                "INSERT INTO artifacts (flow_name, run_id, task_id, attempt, name, sha, size, "
                "type_name, serializer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [
                    (flow_name, run_id, r.task_id, r.attempt, a.name, a.sha, a.size,
                     a.type_name, a.serializer, a.created_at or r.finished_at or now)
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
                    (flow_name, run_id, r.task_id, r.attempt, f.field, f.value, f.type,
                     f.created_at or now)
                    for r in results
                    for f in r.facts
                ],
            )

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
            user, system = set(_tags(rows[0][0])), set(_tags(rows[0][1]))
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
            sql, params = "SELECT flow_name, created_at FROM flows ORDER BY flow_name", ()
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

    def list_runs(self, flow_name: str, query: RunQuery = RunQuery()) -> Page:
        sql, params = self._runs_sql(flow_name, query)
        rows = self.db.read(lambda c: c.execute(sql, params))
        limit = min(max(query.limit, 1), MAX_PAGE)
        more = len(rows) > limit
        items = tuple(self._run(r) for r in rows[:limit])
        return Page(items=items, cursor=str(items[-1].run_id) if more and items else None)

    def _runs_sql(self, flow_name: str, q: RunQuery) -> tuple[str, list[Any]]:
        where = ["r.flow_name = ?"]
        params: list[Any] = [flow_name]
        if q.cursor is not None:
            try:
                before = int(q.cursor)
            except ValueError:
                raise MetadataError(f"Invalid page cursor {q.cursor!r}.") from None
            where.append("r.run_id < ?")
            params.append(before)
        exists_tag = (
            "EXISTS (SELECT 1 FROM run_tags t WHERE t.flow_name = r.flow_name "
            "AND t.run_id = r.run_id AND t.tag {})"
        )
        for tag in validate_tags(q.tags_all):
            where.append(exists_tag.format("= ?"))
            params.append(tag)
        if q.tags_any:
            any_tags = validate_tags(q.tags_any)
            where.append(exists_tag.format(f"IN ({', '.join('?' * len(any_tags))})"))
            params.extend(any_tags)
        if q.status is not None:
            cutoff = self._clock() - self.lost_after
            if q.status == LOST:
                where.append("r.status = ? AND COALESCE(r.heartbeat_at, r.created_at) < ?")
                params += [RUNNING, cutoff]
            elif q.status == RUNNING:
                where.append("r.status = ? AND COALESCE(r.heartbeat_at, r.created_at) >= ?")
                params += [RUNNING, cutoff]
            elif q.status in RUN_STATUSES:
                where.append("r.status = ?")
                params.append(q.status)
            else:
                raise MetadataError(
                    f"Unknown run status {q.status!r}: expected one of running, succeeded, "
                    f"failed, lost."
                )
        if q.user is not None:
            where.append("r.user_name = ?")
            params.append(q.user)
        if q.since is not None:
            where.append("r.created_at >= ?")
            params.append(float(q.since))
        if q.until is not None:
            where.append("r.created_at < ?")
            params.append(float(q.until))
        for name, value in sorted(q.parameters.items()):
            where.append(
                "EXISTS (SELECT 1 FROM run_params p WHERE p.flow_name = r.flow_name "
                "AND p.run_id = r.run_id AND p.name = ? AND p.value = ?)"
            )
            params += [name, canonical_json(value)]
        limit = min(max(int(q.limit), 1), MAX_PAGE)
        params.append(limit + 1)
        sql = (
            f"SELECT {_RUN_COLUMNS} FROM runs r WHERE {' AND '.join(where)} "
            f"ORDER BY r.run_id DESC LIMIT ?"
        )
        return sql, params

    def get_run(self, flow_name: str, run_id: int) -> RunRecord | None:
        rows = self.db.read(
            lambda c: c.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.flow_name = ? AND r.run_id = ?",
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
                f"{_TASK_FROM_LATEST} WHERE t.flow_name = ? AND t.run_id = ? "
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

    def list_tasks(self, flow_name: str, run_id: int, step_name: str | None = None) -> list[TaskRecord]:
        sql = f"SELECT {_TASK_COLUMNS} {_TASK_FROM_LATEST} WHERE t.flow_name = ? AND t.run_id = ?"
        params: list[Any] = [flow_name, run_id]
        if step_name is not None:
            sql += " AND t.step_name = ?"
            params.append(step_name)
        sql += " ORDER BY t.task_id"
        rows = self.db.read(lambda c: c.execute(sql, params))
        return [self._task(r) for r in rows]

    def get_task(
        self, flow_name: str, run_id: int, task_id: int, attempt: int | None = None
    ) -> TaskRecord | None:
        if attempt is None:
            sql = f"SELECT {_TASK_COLUMNS} {_TASK_FROM_LATEST} "
            params: tuple[Any, ...] = (flow_name, run_id, task_id)
        else:
            sql = (
                f"SELECT {_TASK_COLUMNS} FROM tasks t JOIN attempts a ON "
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
