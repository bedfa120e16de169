"""The values a FlowSpec and the runtime exchange (flow/contract.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow.contract import (
    NO_INPUT,
    ArtifactSource,
    ForeachFrame,
    Transition,
    foreach_items,
)


class _Source:
    def names(self) -> Iterable[str]:
        return []

    def sha(self, name: str) -> str:
        return ""

    def load(self, name: str) -> Any:
        return None


class _Holder:
    _fs_step = "fan"

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def test_the_source_protocol_is_checked_structurally() -> None:
    assert isinstance(_Source(), ArtifactSource)
    assert not isinstance(object(), ArtifactSource)


def test_transitions_and_frames_are_values() -> None:
    assert Transition(("a", "b")) == Transition(("a", "b"), None)
    assert Transition(("w",), "items") != Transition(("w",), None)
    frame = ForeachFrame.for_item("fan", "items", 2, 5, "v")
    assert frame == ForeachFrame("fan", "items", 2, 5, "'v'")


def test_frame_reprs_are_bounded_and_never_fail() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    long_text = ForeachFrame.for_item("s", "v", 0, 1, "x" * 500).value_repr
    assert len(long_text) < 80 and long_text.endswith("'") and "..." in long_text
    assert len(ForeachFrame.for_item("s", "v", 0, 1, list(range(1000))).value_repr) < 80
    assert ForeachFrame.for_item("s", "v", 0, 1, Hostile()).value_repr.startswith("<Hostile")


def test_no_input_has_a_name() -> None:
    assert repr(NO_INPUT) == "NO_INPUT" and not isinstance(NO_INPUT, type(None))


def test_foreach_items_are_listed_from_any_iterable() -> None:
    assert foreach_items(_Holder(xs=range(3)), "xs") == [0, 1, 2]
    assert foreach_items(_Holder(xs=(c for c in "ab")), "xs") == ["a", "b"]


@pytest.mark.parametrize(
    "holder,words",
    [
        (_Holder(), "step 'fan' uses foreach='xs' but sets no artifact 'xs'"),
        (_Holder(xs=3), "needs an iterable .* self.xs is a int"),
        (_Holder(xs=[]), "found no items"),
    ],
)
def test_foreach_items_refuse_what_cannot_fan_out(holder: _Holder, words: str) -> None:
    with pytest.raises(FlowDefinitionError, match=words):
        foreach_items(holder, "xs")
