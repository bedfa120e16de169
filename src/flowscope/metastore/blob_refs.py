"""The blob references table (`blob_refs`, schema version 7): which records hold which blob
keys, written with the records, and the anti-join a garbage collector asks.

Every blob the runtime writes is named by a record: an attempt's artifacts (`sha`), its logs
and environment (`stdout_key`, `stderr_key`, `env_key`), its cards (declared by the cards
code in `AttemptResult.blob_keys`, never parsed back out of a fact's JSON), the output a
running attempt has written so far (the heartbeat's log keys) and a run's code package
(`code_key`). Each becomes a row `(flow_name, run_id, blob_key)`, in the transaction that
writes the record: a run is the unit a collector deletes, and a key that a thousand tasks
pass through is one row. Rows are only ever added (a retried write, or the same key again,
adds none: the primary key), so a key once referenced stays referenced until a later
collector deletes the run that holds it.

`unreferenced(keys)` is then one lookup per key on the `blob_key` index, in batches: cheap
enough to run over a datastore's whole listing (docs/storage.md, "Garbage collection
layout", gives the numbers and the grace period a collector must keep).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence

from flowscope.metastore.db import Connection
from flowscope.metastore.new_records import AttemptResult

BATCH = {"sqlite": 500, "postgresql": 5000}
"""Keys per lookup statement: well under SQLite's bound on parameters; on PostgreSQL the
keys go as one array parameter."""

_INSERT = (
    "INSERT INTO blob_refs (flow_name, run_id, blob_key) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
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
    _add(conn, flow_name, run_id, (key for r in results for key in attempt_keys(r)))


def record_logs(
    conn: Connection,
    flow_name: str,
    run_id: int,
    logs: Sequence[tuple[int, int, str | None, str | None]],
) -> None:
    """The output so far of running attempts (a heartbeat's log snapshots): a run that is
    lost before its attempts finish keeps what its records show."""
    _add(conn, flow_name, run_id, (key for _, _, out, err in logs for key in (out, err) if key))


def record_run(conn: Connection, flow_name: str, run_id: int, code_key: str | None) -> None:
    """A run's own reference: its code package."""
    if code_key:
        _add(conn, flow_name, run_id, (code_key,))


def _add(conn: Connection, flow_name: str, run_id: int, keys: Iterable[str]) -> None:
    """One row per distinct key (a key already there adds none)."""
    rows = [(flow_name, run_id, key) for key in dict.fromkeys(keys)]
    if rows:
        conn.executemany(_INSERT, rows)


def batches(keys: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(keys)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def referenced_of(conn: Connection, keys: Sequence[str], dialect: str) -> set[str]:
    """Which of `keys` (a batch) some record references: one statement on the index."""
    if dialect == "postgresql":
        sql = "SELECT DISTINCT blob_key FROM blob_refs WHERE blob_key = ANY(?)"
        rows = conn.execute(sql, [list(keys)])
    else:
        marks = ", ".join("?" * len(keys))
        sql = f"SELECT DISTINCT blob_key FROM blob_refs WHERE blob_key IN ({marks})"
        rows = conn.execute(sql, keys)
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
    selects = [f"SELECT code_key AS k FROM runs {where} AND code_key IS NOT NULL"]
    selects.append(f"SELECT sha AS k FROM artifacts {where}")
    selects += [
        f"SELECT {column} AS k FROM attempts {where} AND {column} IS NOT NULL"
        for column in ("stdout_key", "stderr_key", "env_key")
    ]
    for select in selects:
        conn.execute(
            "INSERT INTO blob_refs (flow_name, run_id, blob_key) "
            f"SELECT DISTINCT ?, ?, k FROM ({select}) found WHERE true "
            "ON CONFLICT DO NOTHING",
            (*key, *key),
        )
    facts = conn.execute(f"SELECT value FROM task_facts {where} AND field = ?", (*key, card_field))
    blobs = dict.fromkeys(blob for (value,) in facts for blob in card_keys(value))
    if blobs:
        conn.executemany(_INSERT, [(flow_name, run_id, blob) for blob in blobs])
