"""Foreach helpers (flow/foreach.py): the foreach= argument of self.next checked, and the item
of a foreach artifact one frame stands for, whatever kind of iterable the artifact is."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow.foreach import check_foreach, frame_item


def test_a_foreach_over_a_known_artifact_with_one_target_passes() -> None:
    check_foreach("start", ("work",), "items", {"items", "other"})


@pytest.mark.parametrize(
    ("targets", "foreach", "known", "message"),
    [
        (("w",), ["items"], {"items"}, "step 's': foreach= takes the name of an artifact, as in "),
        (("w",), None, set(), "got None"),
        (("a", "b"), "items", {"items"}, "step 's': foreach='items' needs exactly one target"),
        ((), "items", {"items"}, "needs exactly one target step, got 0"),
        (("w",), "items", {"item"}, "step 's' uses foreach='items' but sets no artifact 'items'"),
    ],
)
def test_a_foreach_call_that_cannot_fan_out_is_refused(
    targets: tuple[str, ...], foreach: object, known: set[str], message: str
) -> None:
    with pytest.raises(FlowDefinitionError) as info:
        check_foreach("s", targets, foreach, known)
    assert message in str(info.value)


def test_the_type_is_checked_before_the_targets_and_the_targets_before_the_name() -> None:
    with pytest.raises(FlowDefinitionError, match="takes the name of an artifact"):
        check_foreach("s", ("a", "b"), 3, set())
    with pytest.raises(FlowDefinitionError, match="exactly one target"):
        check_foreach("s", ("a", "b"), "missing", set())


def test_frame_item_indexes_sequences_and_mappings() -> None:
    assert frame_item(["a", "b", "c"], 1) == "b"
    assert frame_item(range(10, 40, 10), 2) == 30
    assert frame_item("xyz", 0) == "x"
    assert frame_item({0: "zero", 1: "one"}, 1) == "one"


def test_frame_item_walks_what_cannot_be_indexed() -> None:
    assert frame_item((n * n for n in range(5)), 3) == 9
    assert frame_item(iter(["a", "b"]), 1) == "b"
    assert frame_item(frozenset({7}), 0) == 7


def test_frame_item_of_an_item_that_is_gone_is_none() -> None:
    assert frame_item(["a"], 5) is None
    assert frame_item({"k": 1}, 0) is None
    assert frame_item((n for n in range(2)), 2) is None
