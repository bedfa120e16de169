"""SQL text and row conversions for the metadata store. Pure: strings and tuples only.

Written once with `?` placeholders in SQL that SQLite and PostgreSQL both accept.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from flowscope.errors import MetadataError
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import (
    FAILED,
    LOST,
    PENDING,
    RUNNING,
    SUCCEEDED,
    RunRecord,
    TaskRecord,
)
from flowscope.tags import validate_tags

RUN_STATUSES = frozenset({RUNNING, SUCCEEDED, FAILED})
MAX_PAGE = 10_000


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


@lru_cache(maxsize=4096)
def parse_tags(text: str) -> tuple[str, ...]:
    """A JSON list of tags; cached, since most runs share a handful of tag sets."""
    return tuple(json.loads(text)) if text != "[]" else ()


RUN_COLUMNS = (
    "r.flow_name, r.run_id, r.user_name, r.status, r.created_at, r.finished_at, "
    "r.heartbeat_at, r.user_tags, r.system_tags, r.code_key, r.origin_run_id, r.command_line, "
    "r.datastore"
)

TASK_COLUMNS = (
    "t.flow_name, t.run_id, t.step_name, t.task_id, t.created_at, a.attempt, a.status, "
    "a.started_at, a.finished_at, a.heartbeat_at, t.foreach_index, t.foreach_stack, "
    "t.origin_pathspec, a.stdout_key, a.stderr_key, a.env_key, a.exception"
)

TASK_FROM_LATEST = (
    "FROM tasks t LEFT JOIN attempts a ON a.flow_name = t.flow_name AND a.run_id = t.run_id "
    "AND a.task_id = t.task_id AND a.attempt = t.last_attempt"
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Build a large batch of small objects without the cyclic collector running midway
    (none of them form cycles; a pass over a growing heap would only cost time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def live_status(status: str, heartbeat_at: float | None, since: float | None, cutoff: float) -> str:
    """A running run or attempt whose last sign of life is older than `cutoff` is lost."""
    if status == RUNNING:
        last = heartbeat_at if heartbeat_at is not None else since
        if last is not None and last < cutoff:
            return LOST
    return status


def run_from_row(row: Any, cutoff: float) -> RunRecord:
    return RunRecord(
        flow_name=row[0],
        run_id=int(row[1]),
        user=row[2],
        status=live_status(row[3], row[6], row[4], cutoff),
        created_at=row[4],
        finished_at=row[5],
        heartbeat_at=row[6],
        user_tags=parse_tags(row[7]),
        system_tags=parse_tags(row[8]),
        code_key=row[9],
        origin_run_id=None if row[10] is None else int(row[10]),
        command_line=row[11],
        datastore=row[12],
    )


def task_from_row(row: Any, cutoff: float) -> TaskRecord:
    attempt = row[5]
    status = PENDING if attempt is None else live_status(row[6], row[9], row[7], cutoff)
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


def runs_query(
    flow_name: str,
    q: RunQuery,
    cutoff: float,
    condition: tuple[str, list[Any]] | None = None,
) -> tuple[str, list[Any]]:
    """The SELECT for a page of runs, newest first, with every filter applied in SQL;
    `condition` is the compiled `where=` filter (query_index.condition)."""
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
    if condition is not None:
        where.append(f"({condition[0]})")
        params += condition[1]
    limit = min(max(int(q.limit), 1), MAX_PAGE)
    params.append(limit + 1)
    sql = (
        f"SELECT {RUN_COLUMNS} FROM runs r WHERE {' AND '.join(where)} "
        f"ORDER BY r.run_id DESC LIMIT ?"
    )
    return sql, params
