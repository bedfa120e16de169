"""Filters to SQL (metastore/filter_sql.py): static checks, the meaning of the SQL on SQLite,
and no value ever in the SQL text."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings

from flowscope.errors import QueryError
from flowscope.metastore.filter_sql import Target, compile_filter
from flowscope.metastore.filters import Expr, parse, render

from .test_filters import MARK, exprs

CATALOG = {
    ("params", "alpha"): frozenset({"number"}),
    ("params", "name"): frozenset({"str"}),
    ("params", "flag"): frozenset({"bool"}),
    ("params", "mixed"): frozenset({"number", "str"}),
    ("data", "score"): frozenset({"number"}),
    ("data", "label"): frozenset({"str", "none"}),
}
RUNS = Target("runs", "F", cutoff=100.0)


def sql_of(text: str, target: Target = RUNS) -> tuple[str, list[Any]]:
    return compile_filter(parse(text), target, CATALOG)


# ---- compiling: static checks ------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("params.alpah = 1", "Unknown field 'params.alpah'.*did you mean 'params.alpha'"),
        ("stauts = 'failed'", "Unknown field 'stauts'.*did you mean 'status'"),
        ("params.alpha > 'x'", "params.alpha holds numbers.*the string 'x'"),
        ("params.name < 3", "params.name holds strings.*the number 3"),
        ("params.flag > true", "booleans are compared with = or != only"),
        ("data.label > null", "None are compared with = or != only"),
        ("status < 'failed'", "status takes = != or in"),
        ("status = 'ok'", "status is one of"),
        ("user = 3", "user is compared with a 'quoted string'"),
        ("duration > 'long'", "duration is compared with a number"),
        ("started_at > 'yesterday'", "is compared with a time"),
        ("finished_at in (1, 2)", "not 'in'"),
        ("tags = 'x'", "tags contains 'x'"),
        ("user contains 'x'", "'contains' applies to tags only"),
        ("tags contains ''", "tags contains ''"),
        ("params = 1", "params needs a name"),
        ("input = 1", "it is a field of tasks"),
        ("status.x = 1", "has no sub-fields"),
    ],
)
def test_static_errors(text: str, expected: str) -> None:
    with pytest.raises(QueryError, match=expected):
        sql_of(text)


def test_task_fields() -> None:
    target = Target("tasks", "F", step_name="train")
    catalog = {("input", ""): frozenset({"number"}), ("data", "loss"): frozenset({"number"})}
    sql, params = compile_filter(parse("input = 0.1 and index > 1"), target, catalog)
    assert "task_inputs" in sql and "t.foreach_index" in sql
    assert params == ["number", 0.1, 1]
    with pytest.raises(QueryError, match="field of runs"):
        compile_filter(parse("status = 'failed'"), target, catalog)
    with pytest.raises(QueryError, match="no task of step 'train'.*scalar foreach input"):
        compile_filter(parse("input = 1"), target, {})


def test_mixed_kinds_accept_each_kind_and_null_is_always_accepted() -> None:
    sql_of("params.mixed = 1 or params.mixed = 'a' or data.score = null")


def test_times_are_bound_as_epoch_seconds() -> None:
    _, params = sql_of("started_at >= '1970-01-02' and finished_at < '1970-01-01T01:00:00+01:00'")
    assert params == [86400.0, 0.0]
    assert sql_of("started_at > 5")[1] == [5.0]


# ---- the SQL runs and means what the rules say (SQLite, in memory) -----------------------
@pytest.fixture()
def db() -> sqlite3.Connection:
    from flowscope.metastore.migrations import known_migrations

    conn = sqlite3.connect(":memory:")
    for migration in known_migrations():
        for statement in migration.statements:
            conn.execute(statement)
    runs = [(1, "running", 90.0, None), (2, "succeeded", 0.0, 10.0), (3, "running", 200.0, None)]
    for run_id, status, created, finished in runs:
        conn.execute(
            "INSERT INTO runs (flow_name, run_id, user_name, status, created_at, finished_at, "
            "heartbeat_at, user_tags, system_tags) VALUES ('F', ?, 'u', ?, ?, ?, ?, '[]', '[]')",
            (run_id, status, created, finished, created),
        )
    conn.executemany(
        "INSERT INTO scalar_params VALUES ('F', ?, 'alpha', ?, ?, ?)",
        [(1, "number", 1.0, None), (2, "str", None, "x")],
    )
    return conn


def matching(conn: sqlite3.Connection, text: str) -> list[int]:
    sql, params = sql_of(text)
    rows = conn.execute(f"SELECT r.run_id FROM runs r WHERE {sql} ORDER BY r.run_id", params)
    return [r[0] for r in rows]


def test_missing_values_and_negation(db: sqlite3.Connection) -> None:
    assert matching(db, "params.mixed = 1") == []  # no row named mixed
    assert matching(db, "params.alpha = 1") == [1]
    assert matching(db, "params.alpha != 1") == []  # run 2 holds a string; run 3 has none
    assert matching(db, "not params.alpha = 1") == [2, 3]
    assert matching(db, "finished_at > 0") == [2]
    assert matching(db, "not finished_at > 0") == [1, 3]  # NULL never leaks through NOT
    assert matching(db, "duration = 10") == [2]
    assert matching(db, "status = 'lost'") == [1]  # heartbeat 90 < cutoff 100
    assert matching(db, "status = 'running'") == [3]
    assert matching(db, "status != 'lost'") == [2, 3]


@settings(max_examples=300, deadline=None)
@given(exprs)
def test_random_trees_compile_or_fail_cleanly_and_never_splice_values(expr: Expr) -> None:
    catalog = {("params", n): frozenset({"number", "str", "bool"}) for n in ("a", "b", "ab")}
    try:
        sql, params = compile_filter(parse(render(expr)), RUNS, catalog)
    except QueryError:
        return
    assert MARK not in sql
    assert sql.count("?") == len(params)
    for p in params:
        if isinstance(p, (int, float)) and not isinstance(p, bool) and abs(p) > 10:
            assert repr(p) not in sql


def test_an_and_of_value_comparisons_is_one_chained_id_subquery(db: sqlite3.Connection) -> None:
    db.executemany(
        "INSERT INTO scalar_params VALUES ('F', ?, ?, 'number', ?, NULL)",
        [(1, "mixed", 5.0), (2, "mixed", 6.0), (3, "mixed", 7.0), (3, "alpha", 2.0)],
    )
    db.executemany(
        "INSERT INTO scalar_artifacts VALUES ('F', ?, 9, 0, 'end', 'score', 'number', ?, NULL)",
        [(1, 0.5), (3, 0.9)],
    )
    text = "params.alpha >= 1 and user = 'u' and data.score > 0.1 and params.mixed < 7"
    sql, params = sql_of(text)
    # runs are read once, for the ids in all three value tests: not probed once per test
    assert sql.count("r.run_id IN (") == 1 and sql.count("+v.run_id IN (") == 2
    assert sql.count("?") == len(params)
    assert matching(db, text) == [1]
    assert matching(db, "params.alpha >= 1 and data.score > 0.1") == [1, 3]
    assert matching(db, "not (params.mixed > 5 and data.score > 0)") == [1, 2]
    assert matching(db, "(params.mixed > 5 or data.score > 0.6) and params.alpha > 1") == [3]
    plan = " | ".join(
        r[3] for r in db.execute(f"EXPLAIN QUERY PLAN SELECT 1 FROM runs r WHERE {sql}", params)
    )
    assert "COVERING INDEX scalar_params_by_num" in plan
    assert "COVERING INDEX scalar_artifacts_by_num" in plan
