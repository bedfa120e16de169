"""A join's inputs (flow/inputs.py): by step name, by index, in order, read-only."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError

from .sources import branch_inputs


def test_inputs_by_name_index_and_iteration() -> None:
    inputs, sources = branch_inputs({"x": ("sa", "a")}, {"x": ("sb", "b")})
    assert len(inputs) == 2
    assert inputs.a.x == "a" and inputs.b.x == "b" and inputs[1].x == "b"
    assert [inp.x for inp in inputs] == ["a", "b"] and inputs[:1] == [inputs.a]
    assert sources["a"].loads == ["x"]  # loaded once, cached on the input
    with pytest.raises(
        AttributeError, match=r"no input from a step 'bb' \(inputs come from: a, b\)"
    ):
        inputs.bb  # noqa: B018
    with pytest.raises(AttributeError, match="Did you mean 'b'"):
        inputs.bb  # noqa: B018
    assert repr(inputs) == "Inputs(['a', 'b'])"


def test_inputs_are_read_only() -> None:
    inputs, _ = branch_inputs({}, {})
    with pytest.raises(FlowDefinitionError, match=r"inputs of a join are read-only \(a.y\)"):
        inputs.a.y = 1
    with pytest.raises(FlowDefinitionError, match="called on an input of a join"):
        inputs.a.next(inputs.a.join)
