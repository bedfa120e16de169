"""The filter language (metastore/filters.py): tokens, precedence, errors, round trips."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings, strategies as st

from flowscope.errors import QueryError
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


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=string.printable + "é€'\"", max_size=60))
def test_arbitrary_text_parses_or_raises_query_error(text: str) -> None:
    try:
        parse(text)
    except QueryError as exc:
        assert "Invalid filter" in str(exc) or "characters long" in str(exc)
