"""The blob references table (`blob_refs`, schema version 7): which records hold which blob
keys, written with the records, and the anti-join a garbage collector asks.

Every blob the runtime writes is named by a record: an attempt's artifacts (`sha`), its logs
and environment (`stdout_key`, `stderr_key`, `env_key`), its cards (declared by the cards
code in `AttemptResult.blob_keys`, never parsed back out of a fact's JSON), the output a
running attempt has written so far (the heartbeat's log keys) and a run's code package
(`code_key`). Each becomes a row `(blob_key, flow_name, run_id, task_id, attempt)`, in the
transaction that writes the record, with task_id 0 for the run itself. Rows are only ever
added (a retried write adds none twice: the primary key), so a key once referenced stays
referenced until a later collector deletes the run that holds it.

`unreferenced(keys)` is then one lookup per key on the `blob_key` index, in batches: cheap
enough to run over a datastore's whole listing (docs/storage.md, "Garbage collection
layout", gives the numbers and the grace period a collector must keep).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence

from flowscope.metastore.db import Connection
from flowscope.metastore.records import AttemptResult

RUN_TASK = 0
"""The task_id of a run's own references (no task has id 0)."""
BATCH = 500
"""Keys per lookup statement (well under SQLite's bound on parameters)."""

_INSERT = (
    "INSERT INTO blob_refs (blob_key, flow_name, run_id, task_id, attempt) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)


def attempt_keys(result: AttemptResult) -> list[str]:
    """Every blob key `result` references, once each, in a stable order: its artifacts,
    logs and environment from their fields, and the keys its writer declared."""
    keys = [a.sha for a in result.artifacts]
    keys += [k for k in (result.stdout_key, result.stderr_key, result.env_key) if k]
    keys += result.blob_keys
    return list(dict.fromkeys(keys))


def record_attempts(
    conn: Connection, flow_name: str, run_id: int, results: Sequence[AttemptResult]
) -> None:
    """The references of finished attempts (with their records, in `conn`'s transaction)."""
    rows = [
        (key, flow_name, run_id, r.task_id, r.attempt) for r in results for key in attempt_keys(r)
    ]
    if rows:
        conn.executemany(_INSERT, rows)


def record_logs(
    conn: Connection,
    flow_name: str,
    run_id: int,
    logs: Sequence[tuple[int, int, str | None, str | None]],
) -> None:
    """The output so far of running attempts (a heartbeat's log snapshots): a run that is
    lost before its attempts finish keeps what its records show."""
    rows = [
        (key, flow_name, run_id, task_id, attempt)
        for task_id, attempt, out, err in logs
        for key in (out, err)
        if key
    ]
    if rows:
        conn.executemany(_INSERT, rows)


def record_run(conn: Connection, flow_name: str, run_id: int, code_key: str | None) -> None:
    """A run's own reference: its code package."""
    if code_key:
        conn.execute(_INSERT, (code_key, flow_name, run_id, RUN_TASK, 0))


def batches(keys: Iterable[str], size: int = BATCH) -> Iterator[list[str]]:
    it = iter(keys)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def referenced_of(conn: Connection, keys: Sequence[str]) -> set[str]:
    """Which of `keys` (at most BATCH) some record references: one indexed statement."""
    marks = ", ".join("?" * len(keys))
    rows = conn.execute(
        f"SELECT DISTINCT blob_key FROM blob_refs WHERE blob_key IN ({marks})", keys
    )
    return {str(r[0]) for r in rows}


def backfill_run(
    conn: Connection,
    flow_name: str,
    run_id: int,
    card_field: str,
    card_keys: Callable[[str], list[str]],
) -> None:
    """The references of a run recorded before schema version 7 (`flowscope reindex`): its
    code package, every attempt's artifacts, logs and environment, and the card blobs named
    by its `card_field` facts (read with `card_keys`, the cards code's own decoder: older
    runs declared no keys). Idempotent."""
    where = "WHERE flow_name = ? AND run_id = ?"
    key = (flow_name, run_id)
    conn.execute(
        "INSERT INTO blob_refs (blob_key, flow_name, run_id, task_id, attempt) "
        f"SELECT code_key, flow_name, run_id, {RUN_TASK}, 0 FROM runs {where} "
        "AND code_key IS NOT NULL ON CONFLICT DO NOTHING",
        key,
    )
    conn.execute(
        "INSERT INTO blob_refs (blob_key, flow_name, run_id, task_id, attempt) "
        f"SELECT sha, flow_name, run_id, task_id, attempt FROM artifacts {where} "
        "ON CONFLICT DO NOTHING",
        key,
    )
    for column in ("stdout_key", "stderr_key", "env_key"):
        conn.execute(
            "INSERT INTO blob_refs (blob_key, flow_name, run_id, task_id, attempt) "
            f"SELECT {column}, flow_name, run_id, task_id, attempt FROM attempts {where} "
            f"AND {column} IS NOT NULL ON CONFLICT DO NOTHING",
            key,
        )
    facts = conn.execute(
        f"SELECT task_id, attempt, value FROM task_facts {where} AND field = ?",
        (*key, card_field),
    )
    rows = [
        (blob, flow_name, run_id, int(task_id), int(attempt))
        for task_id, attempt, value in facts
        for blob in card_keys(value)
    ]
    if rows:
        conn.executemany(_INSERT, rows)
