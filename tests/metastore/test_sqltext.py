"""SQL text and row conversion (metastore/sqltext.py), checked as values and run on SQLite."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowscope.errors import MetadataError, TagError
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.migrations import migrate
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import LOST, PENDING, RUNNING
from flowscope.metastore.sqltext import (
    MAX_PAGE,
    RUN_COLUMNS,
    canonical_json,
    gc_paused,
    live_status,
    parse_tags,
    run_from_row,
    runs_query,
    task_from_row,
)


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[SqliteDatabase]:
    database = SqliteDatabase(tmp_path / "m.db")
    migrate(database)
    yield database
    database.close()


def test_canonical_json_is_order_free_and_total() -> None:
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})
    assert canonical_json({1, 2}).startswith('"')  # not JSON: stored as its repr


def test_parse_tags() -> None:
    assert parse_tags("[]") == ()
    assert parse_tags('["a", "b"]') == ("a", "b")


def test_gc_paused_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "status,heartbeat,since,expected",
    [
        (RUNNING, 5.0, 1.0, RUNNING),
        (RUNNING, 3.0, 1.0, RUNNING),  # exactly at the cutoff: still alive
        (RUNNING, 1.0, 1.0, LOST),
        (RUNNING, None, 1.0, LOST),
        (RUNNING, None, 9.0, RUNNING),
        (RUNNING, None, None, RUNNING),
        ("succeeded", 1.0, 1.0, "succeeded"),
    ],
)
def test_live_status(
    status: str, heartbeat: float | None, since: float | None, expected: str
) -> None:
    assert live_status(status, heartbeat, since, cutoff=3.0) == expected


def test_rows_become_records() -> None:
    row = (
        "F",
        "2",
        "ann",
        RUNNING,
        1.0,
        None,
        2.0,
        '["t"]',
        '["user:ann"]',
        "k",
        "1",
        "cmd",
        "s3://b/p",
    )
    run = run_from_row(row, cutoff=0.0)
    assert (run.run_id, run.status, run.user_tags, run.origin_run_id) == (2, RUNNING, ("t",), 1)
    assert run.datastore == "s3://b/p"
    assert run_from_row(row, cutoff=5.0).status == LOST
    pending = (
        "F",
        2,
        "s",
        3,
        1.0,
        None,
        None,
        None,
        None,
        None,
        None,
        "[]",
        None,
        None,
        None,
        None,
        None,
    )
    task = task_from_row(pending, cutoff=5.0)
    assert (task.status, task.attempt, task.foreach_stack) == (PENDING, 0, ())
    done = (
        "F",
        2,
        "s",
        3,
        1.0,
        1,
        "failed",
        1.0,
        2.0,
        2.0,
        4,
        '[["x", 1, 4]]',
        "F/1/s/3",
        "o",
        "e",
        "v",
        json.dumps({"type": "E"}),
    )
    task = task_from_row(done, cutoff=5.0)
    assert (task.attempt, task.status, task.foreach_index, task.exception) == (
        1,
        "failed",
        4,
        {"type": "E"},
    )


def test_runs_query_builds_one_placeholder_per_value(db: SqliteDatabase) -> None:
    query = RunQuery(
        tags_all=("a",),
        tags_any=("b", "c"),
        status="failed",
        user="ann",
        since=1,
        until=2,
        parameters={"p": [1]},
        limit=5,
        cursor="10",
    )
    sql, params = runs_query("F", query, cutoff=0.0)
    assert sql.startswith(f"SELECT {RUN_COLUMNS} FROM runs r WHERE r.flow_name = ?")
    assert sql.count("?") == len(params)
    assert params == ["F", 10, "a", "b", "c", "failed", "ann", 1.0, 2.0, "p", "[1]", 6]
    assert db.read(lambda conn: conn.execute(sql, params)) == []  # valid SQL on SQLite


@pytest.mark.parametrize("status", [RUNNING, LOST])
def test_running_and_lost_compare_with_the_cutoff(status: str, db: SqliteDatabase) -> None:
    sql, params = runs_query("F", RunQuery(status=status), cutoff=7.0)
    assert params[1:3] == [RUNNING, 7.0]
    assert db.read(lambda conn: conn.execute(sql, params)) == []


def test_limits_are_clamped() -> None:
    assert runs_query("F", RunQuery(limit=0), 0.0)[1][-1] == 2
    assert runs_query("F", RunQuery(limit=10**9), 0.0)[1][-1] == MAX_PAGE + 1


@pytest.mark.parametrize(
    "query,error,words",
    [
        (RunQuery(cursor="abc"), MetadataError, "cursor"),
        (RunQuery(status="done"), MetadataError, "Unknown run status"),
        (RunQuery(tags_all=("",)), TagError, "empty"),
        (RunQuery(tags_any=("a" * 501,)), TagError, "limit"),
    ],
)
def test_bad_queries_are_refused(query: RunQuery, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        runs_query("F", query, 0.0)


def test_injection_stays_a_value(db: SqliteDatabase) -> None:
    sql, params = runs_query("F'; DROP TABLE runs; --", RunQuery(user="x' OR '1'='1"), 0.0)
    assert "DROP" not in sql and "OR '1'" not in sql
    rows: list[Any] = db.read(lambda conn: conn.execute(sql, params))
    assert rows == [] and db.read(lambda conn: conn.execute("SELECT COUNT(*) FROM runs")) == [(0,)]
