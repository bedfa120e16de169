"""The filter language (metastore/filters.py) and its SQL compiler (metastore/filter_sql.py)."""

from __future__ import annotations

import sqlite3
import string
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from flowscope.errors import QueryError
from flowscope.metastore.filter_sql import Target, compile_filter
from flowscope.metastore.filters import (
    MAX_COMPARISONS,
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    And,
    Compare,
    Contains,
    Expr,
    Field,
    In,
    Not,
    Or,
    parse,
    render,
)

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


# ---- parsing -----------------------------------------------------------------------------
def test_precedence_not_binds_tighter_than_and_than_or() -> None:
    expr = parse("not a = 1 and b = 2 or c = 3")
    assert expr == Or(
        (
            And((Not(Compare(Field("a"), "=", 1)), Compare(Field("b"), "=", 2))),
            Compare(Field("c"), "=", 3),
        )
    )


def test_literals_fields_and_operators() -> None:
    assert parse("params.alpha >= -1.5e-3") == Compare(Field("params", "alpha"), ">=", -1.5e-3)
    assert parse("user != 'o\\'brien'") == Compare(Field("user"), "!=", "o'brien")
    assert parse('data.x = "a\\"b"') == Compare(Field("data", "x"), "=", 'a"b')
    assert parse("data.ok = TRUE") == Compare(Field("data", "ok"), "=", True)
    assert parse("data.x = null") == Compare(Field("data", "x"), "=", None)
    assert parse("input in (1, 'a', false)") == In(Field("input"), (1, "a", False))
    assert parse("tags contains 'x'") == Contains(Field("tags"), "x")
    assert parse("((index < 3))") == Compare(Field("index"), "<", 3)
    assert parse("params.in = 1") == Compare(Field("params", "in"), "=", 1)


@pytest.mark.parametrize(
    ("text", "expected", "position"),
    [
        ("params.alpha >", "expected a value", 14),
        ("params.alpha x 1", "expected an operator", 13),
        ("(status = 'a'", "expected ')'", 13),
        ("status = 'a' extra", "expected 'and', 'or' or the end", 13),
        ("user = 'open", "a string without its closing quote", 7),
        ("= 1", "expected a field name", 0),
        ("a in 1", "expected '('", 5),
        ("a in (1 2)", "expected ',' or ')'", 8),
        ("params. = 1", "expected a name after 'params.'", 8),
        ("a = 1e999", "out of range", 4),
        ("a = 1 & b = 2", "cannot read the character '&'", 6),
        ("", "expected a comparison", 0),
    ],
)
def test_syntax_errors_point_at_the_position(text: str, expected: str, position: int) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    message = str(info.value)
    assert expected in message
    assert info.value.position == position
    assert f"at position {position + 1}:" in message
    caret_line = message.splitlines()[-1]
    assert caret_line.index("^") - 2 == position  # under the offending character


def test_limits() -> None:
    with pytest.raises(QueryError, match="characters long"):
        parse("a = 1 or " * (MAX_QUERY_LENGTH // 9 + 1) + "a = 1")
    with pytest.raises(QueryError, match="nesting deeper"):
        parse("(" * (MAX_DEPTH + 1) + "a = 1" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(QueryError, match="comparisons"):
        parse(" or ".join(["a = 1"] * (MAX_COMPARISONS + 1)))
    with pytest.raises(QueryError, match="is a string"):
        parse(42)


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


# ---- properties --------------------------------------------------------------------------
MARK = "zqxj"  # a marker no SQL keyword, table or column contains
names = st.text(string.ascii_lowercase, min_size=1, max_size=6).filter(
    lambda s: s not in ("and", "or", "not", "in", "contains", "true", "false", "null")
)
strings = st.text(min_size=0, max_size=12).map(lambda s: MARK + s)
numbers = st.one_of(
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
literals = st.one_of(numbers, strings, st.booleans(), st.none())
fields = st.one_of(
    st.builds(Field, st.sampled_from(["params", "data"]), names),
    st.sampled_from([Field("status"), Field("user"), Field("duration")]),
)
leaves = st.one_of(
    st.builds(Compare, fields, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), literals),
    st.builds(In, fields, st.lists(literals, min_size=1, max_size=3).map(tuple)),
    st.builds(Contains, st.just(Field("tags")), strings),
)


def _trees(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(st.builds(Not, children), st.builds(And, many), st.builds(Or, many))


exprs = st.recursive(leaves, _trees, max_leaves=8)


def _flat(expr: Expr) -> Expr:
    """The tree the parser builds for `render(expr)`: nested And/Or of one kind flattened."""
    if isinstance(expr, Not):
        return Not(_flat(expr.operand))
    if isinstance(expr, (And, Or)):
        kind = type(expr)
        out: list[Expr] = []
        for e in map(_flat, expr.operands):
            out.extend(e.operands if isinstance(e, kind) else (e,))
        return kind(tuple(out))
    return expr


@settings(max_examples=300, deadline=None)
@given(exprs)
def test_random_trees_round_trip(expr: Expr) -> None:
    assert _flat(parse(render(expr))) == _flat(expr)


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


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=string.printable + "é€'\"", max_size=60))
def test_arbitrary_text_parses_or_raises_query_error(text: str) -> None:
    try:
        parse(text)
    except QueryError as exc:
        assert "Invalid filter" in str(exc) or "characters long" in str(exc)
