"""Switch semantics (flow/switch.py): which case a value picks, the errors when none does, and
the successor the scheduler will ask for."""

from __future__ import annotations

import numpy as np
import pytest

from flowscope.errors import FlowDefinitionError, SwitchError
from flowscope.flow import FlowGraph
from flowscope.flow.switch import choose, match_case, show_value, successor

from .switch_shapes import NestedSwitchFlow, SelfLoopFlow, SwitchInForeachFlow


@pytest.mark.parametrize(
    ("cases", "value", "key"),
    [
        ({"a": "x", "b": "y"}, "b", "b"),
        ({0: "x", 1: "y"}, 1, 1),
        ({0: "x", 1: "y"}, np.int64(0), 0),
        ({True: "x", False: "y"}, False, False),
        ({True: "x", False: "y"}, np.bool_(True), True),  # numpy's bool is a bool
        ({1: "x", 0: "y"}, np.bool_(True), None),
        ({1: "x", 2: "y"}, True, None),  # a bool never picks an int key
        ({True: "x", False: "y"}, 1, None),  # nor an int a bool key
        ({"1": "x", "2": "y"}, 1, None),
        ({1: "x", 2: "y"}, "1", None),
        ({1: "x", 2: "y"}, 1.0, None),
        ({"a": "x"}, None, None),
        ({"a": "x"}, ["a"], None),
    ],
)
def test_a_value_matches_a_key_of_its_own_kind_only(
    cases: dict, value: object, key: object
) -> None:
    found = match_case(cases, value)
    assert found == key and type(found) is type(key)


def test_choose_names_the_step_artifact_value_and_keys() -> None:
    with pytest.raises(SwitchError) as info:
        choose("route_step", "route", {"high": "h", "low": "l"}, "medium")
    err = info.value
    assert isinstance(err, FlowDefinitionError)
    assert (err.step, err.condition) == ("route_step", "route")
    message = str(err)
    assert "step 'route_step'" in message and "self.route" in message
    assert "'medium' (str)" in message and "'high', 'low'" in message
    assert "\n" not in message


def test_a_value_that_only_looks_like_a_key_gets_a_hint_about_types() -> None:
    with pytest.raises(SwitchError, match=r"True \(bool\) is not the key 'True' \(str\)"):
        choose("s", "flag", {"True": "a", "False": "b"}, True)
    with pytest.raises(SwitchError) as info:
        choose("s", "n", {1: "a", 2: "b"}, 3)
    assert "compared with their types" not in str(info.value)


def test_show_value_is_short_and_survives_a_broken_repr() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert show_value("x" * 500).endswith("(str)") and len(show_value("x" * 500)) < 80
    assert show_value(Broken()).startswith("<Broken") and show_value(Broken()).endswith("(Broken)")


def test_successor_maps_a_node_and_a_value_to_the_chosen_step() -> None:
    work = FlowGraph.from_class(SwitchInForeachFlow)["work"]
    assert successor(work, 0) == "even" and successor(work, 1) == "odd"
    assert successor(work, 2) is None and successor(work, True) is None
    start = FlowGraph.from_class(NestedSwitchFlow)["start"]
    assert successor(start, True) == "inner" and successor(start, False) == "plain"
    loop = FlowGraph.from_class(SelfLoopFlow)["count_up"]
    assert successor(loop, True) == "count_up" and successor(loop, False) == "end"
