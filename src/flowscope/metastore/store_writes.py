"""The writes of `SqlMetadataStore`: runs, tasks, attempts and their results, tags.

Each method is one write transaction (`Database.write`); a retried call is a no-op or gives the
answer of the first (idempotency keys for runs, ON CONFLICT for tasks and attempts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from flowscope.errors import MetadataError, ObjectNotFound, RunAlreadyFinished, TagError
from flowscope.metastore import blob_refs, query_index
from flowscope.metastore.db import Connection
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.records import FAILED, RUNNING, SUCCEEDED, Fact, RunRecord
from flowscope.metastore.sqltext import canonical_json, parse_tags
from flowscope.metastore.store_base import StoreBase
from flowscope.tags import validate_tags


class StoreWrites(StoreBase):
    """Recording runs and what their tasks did; each method one transaction."""

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
                "heartbeat_at, user_tags, system_tags, code_key, origin_run_id, command_line, "
                "datastore) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    run.datastore,
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
            blob_refs.record_run(conn, run.flow_name, run_id, run.code_key)
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
                blob_refs.record_logs(conn, flow_name, run_id, logs)
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
                "type_name, serializer, created_at, inline_blob) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
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
                        a.inline,
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
            blob_refs.record_attempts(conn, flow_name, run_id, results)

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
