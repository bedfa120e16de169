"""Which values the query index records, and how (metastore/scalars.py)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, strategies as st

from flowscope.metastore.scalars import MAX_SCALAR_TEXT, loaded, scalar_text, stored, stored_text


@pytest.mark.parametrize(
    ("value", "row"),
    [
        (True, ("bool", 1.0, "true")),
        (0, ("number", 0.0, "0")),
        (-2.5, ("number", -2.5, "-2.5")),
        (2**60 + 1, ("number", float(2**60), str(2**60 + 1))),
        ("x" * MAX_SCALAR_TEXT, ("str", None, "x" * MAX_SCALAR_TEXT)),
        (None, ("none", None, "null")),
    ],
)
def test_scalars_are_recorded_as_typed_rows(value: object, row: tuple[object, ...]) -> None:
    text = scalar_text(value)
    assert text is not None and json.loads(text) == value
    assert stored_text(text) == row == stored(value)


class Number(int):
    pass


@pytest.mark.parametrize(
    "value",
    ["x" * (MAX_SCALAR_TEXT + 1), math.nan, math.inf, 2**63, [1], {"a": 1}, b"x", Number(3)],
)
def test_other_values_are_not_scalars(value: object) -> None:
    assert scalar_text(value) is None


def test_hostile_text_on_the_wire_is_not_a_scalar() -> None:
    for text in ("[1, 2]", "{", '"' + "x" * 300 + '"', "NaN", None):
        assert stored_text(text) is None


@given(
    st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.none(),
    )
)
def test_values_come_back_exactly_from_their_rows(value: object) -> None:
    back = loaded(*stored(value))
    assert back == value and type(back) is type(value)


@given(
    st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=MAX_SCALAR_TEXT),
        st.none(),
    )
)
def test_scalar_text_is_the_json_text_of_the_value(value: object) -> None:
    try:
        expected: str | None = json.dumps(value, ensure_ascii=False)
    except UnicodeError:  # a lone surrogate: no text
        expected = None
    assert scalar_text(value) == expected
