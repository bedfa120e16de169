"""Packed run values, run tables and their wire form (metastore/run_table.py). Pure."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from flowscope.errors import MetadataError
from flowscope.metastore.run_table import (
    PackedScope,
    RunTable,
    from_wire,
    pack,
    to_wire,
    unpack,
)
from flowscope.metastore.scalars import stored

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
names = st.text(min_size=1, max_size=8)


def rows_of(values: dict[str, Any]) -> list[tuple[str, str, float | None, str | None]]:
    return [(name, *stored(value)) for name, value in values.items()]


def table_of(scope: PackedScope, n: int) -> RunTable:
    return RunTable(
        run_ids=tuple(range(n, 0, -1)),
        users=("ana",) * n,
        statuses=("succeeded",) * n,
        created_at=tuple(1.5 + i for i in range(n)),
        finished_at=tuple(None if i % 2 else 2.5 + i for i in range(n)),
        tags=tuple(("user:ana",) if i % 2 else () for i in range(n)),
        params=scope,
        data=PackedScope.of([None] * n),
        cursor=None if n < 3 else "7",
    )


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type (True is not 1, 1 is not 1.0); -0.0 keeps its sign."""
    if isinstance(a, float) and isinstance(b, float):
        return math.copysign(1, a) == math.copysign(1, b) and a == b
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(names, scalars, max_size=6), max_size=8))
def test_values_come_back_exactly_with_their_types(runs: list[dict[str, Any]]) -> None:
    scope = PackedScope.of([pack(rows_of(r)) if r else None for r in runs])
    columns = unpack(scope, "p.")
    expected = sorted({k for r in runs for k in r})
    assert list(columns) == [f"p.{k}" for k in expected]
    for key in expected:
        column = columns[f"p.{key}"]
        assert len(column) == len(runs)
        for run, got in zip(runs, column, strict=True):
            assert same(run.get(key), got), (key, run.get(key), got)
    back = from_wire(json.loads(json.dumps(to_wire(table_of(scope, len(runs))))))
    assert back == table_of(scope, len(runs))


def test_runs_of_one_shape_share_it_and_decode_by_stride() -> None:
    packed = [pack(rows_of({"a": i + 0.5, "b": i, "c": True})) for i in range(4)]
    scope = PackedScope.of([*packed, None])
    assert scope.shapes == (('["a", "b", "c"]', "fib"),)
    assert scope.shape_of == (0, 0, 0, 0, -1)
    assert unpack(scope) == {
        "a": [0.5, 1.5, 2.5, 3.5, None],
        "b": [0, 1, 2, 3, None],
        "c": [True, True, True, True, None],
    }


def test_large_ints_strings_and_none_travel_as_text() -> None:
    names_text, kinds, nums, texts = pack(rows_of({"big": 2**60, "s": "x,y", "z": None}))
    assert kinds == "jsn" and texts == json.dumps([2**60, "x,y"]) and len(nums) == 24
    assert unpack(PackedScope.of([(names_text, kinds, nums, texts)])) == {
        "big": [2**60],
        "s": ["x,y"],
        "z": [None],
    }


def test_an_empty_table_round_trips() -> None:
    empty = RunTable((), (), (), (), (), (), PackedScope(), PackedScope())
    assert from_wire(to_wire(empty)) == empty and unpack(empty.params) == {}


def _wire() -> dict[str, Any]:
    scope = PackedScope.of([pack(rows_of({"a": 1.0, "s": "t"})), None, None])
    return to_wire(table_of(scope, 3))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda w: w.pop("run_ids"), "run_ids is a list"),
        (lambda w: w.update(run_ids=[1, 2, True]), "run_ids holds no bool"),
        (lambda w: w.update(users=["a"]), "users is a list of 3 items"),
        (lambda w: w.update(created_at="!!"), "created_at is base64"),
        (lambda w: w.update(created_at="AAAA"), "created_at holds 3 doubles"),
        (lambda w: w.update(tags=[[1], [], []]), "tags holds no int"),
        (lambda w: w.update(cursor=3), "cursor is a string or null"),
        (lambda w: w.update(params=[]), "params is an object"),
        (lambda w: w["params"].update(shape_of=[1, -1, -1]), "shape_of names its shapes"),
        (lambda w: w["params"].update(shapes=[["x"]]), "are \\[names, kinds\\] pairs"),
        (lambda w: w["params"].update(nums=""), "params.nums holds 16 bytes"),
        (lambda w: w["data"].update(texts=None), "data's texts|texts is a list"),
    ],
)
def test_a_malformed_wire_table_is_refused(change: Any, expected: str) -> None:
    wire = _wire()
    change(wire)
    with pytest.raises(MetadataError, match="Malformed run table: expected a run table whose.*"):
        from_wire(wire)
    with pytest.raises(ValueError, match=expected):
        from_wire(wire, wrong=ValueError)


@pytest.mark.parametrize(
    ("shape", "texts"),
    [
        (("[1]", "f"), None),  # names that are not strings
        (('["a"]', "fs"), None),  # more kinds than names
        (('["a"]', "q"), None),  # an unknown kind
        (("[", "f"), None),  # not JSON
        (('["a"]', "s"), None),  # a string kind without its text
        (('["a"]', "s"), '["x", "y"]'),  # too many texts
    ],
)
def test_malformed_packed_values_are_refused_when_unpacked(
    shape: tuple[str, str], texts: str | None
) -> None:
    scope = PackedScope(shapes=(shape,), shape_of=(0,), nums=(b"\0" * 8,), texts=(texts,))
    with pytest.raises(MetadataError, match="packed run row"):
        unpack(scope)
    short = PackedScope(shapes=(('["a"]', "f"),), shape_of=(0,), nums=(b"\0" * 4,), texts=(None,))
    with pytest.raises(MetadataError, match="wrong number of values"):
        unpack(short)
