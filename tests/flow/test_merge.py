"""merge_artifacts (flow/merge.py, through FlowSpec.merge_artifacts): agreeing artifacts are
adopted by hash without loading, differing ones are a MergeConflict naming the inputs."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError, MergeConflict
from flowscope.flow import Inputs
from flowscope.flow.merge import MergeInput, plan_merge

from .shapes import BranchFlow, TrainFlow
from .sources import FakeSource, bound, branch_inputs


def test_merge_adopts_agreeing_artifacts_without_loading() -> None:
    shared = {"base": ("sha-base", 10), "same": ("sha-same", "s")}
    inputs, sources = branch_inputs(
        {**shared, "only_a": ("sha-oa", 1)}, {**shared, "only_b": ("sha-ob", 2)}
    )
    join = bound(BranchFlow, "join")
    join.merge_artifacts(inputs)
    assert sources["a"].loads == [] and sources["b"].loads == []
    values, passthrough = join._fs_outputs()
    assert values == {}
    assert passthrough == {
        "base": "sha-base",
        "same": "sha-same",
        "only_a": "sha-oa",
        "only_b": "sha-ob",
    }
    assert join.base == 10 and join.only_b == 2  # readable after the merge, loaded lazily
    assert sources["a"].loads == ["base"] and sources["b"].loads == ["only_b"]


def test_merge_conflict_names_the_artifact_and_the_branches() -> None:
    inputs, _ = branch_inputs(
        {"x": ("sha-1", 1), "ok": ("s", 0)}, {"x": ("sha-2", 2), "ok": ("s", 0)}
    )
    join = bound(BranchFlow, "join")
    with pytest.raises(MergeConflict) as info:
        join.merge_artifacts(inputs)
    message = str(info.value)
    assert "merge_artifacts in step 'join'" in message
    assert "'x' differs between inputs (value 1: a; value 2: b)" in message
    assert "Set self.x = ... in the join" in message and "exclude=['x']" in message
    assert join._fs_outputs() == ({}, {})  # nothing adopted


def test_merge_compares_hashes_even_if_an_input_value_was_mutated() -> None:
    inputs, _ = branch_inputs({"lst": ("same", [1])}, {"lst": ("same", [1])})
    inputs.a.lst.append(2)
    join = bound(BranchFlow, "join")
    join.merge_artifacts(inputs)
    assert join._fs_outputs() == ({}, {"lst": "same"})


def test_set_artifacts_resolve_conflicts_and_exclude_skips() -> None:
    inputs, _ = branch_inputs(
        {"x": ("1", 1), "y": ("3", 3), "z": ("5", 5)}, {"x": ("2", 2), "y": ("4", 4), "z": ("5", 5)}
    )
    join = bound(BranchFlow, "join")
    join.x = 0
    join.merge_artifacts(inputs, exclude=["y"])
    assert join._fs_outputs() == ({"x": 0}, {"z": "5"})


def test_include_limits_the_merge_and_checks_names() -> None:
    inputs, _ = branch_inputs({"x": ("1", 1), "y": ("2", 2)}, {"x": ("3", 3), "y": ("2", 2)})
    join = bound(BranchFlow, "join")
    join.merge_artifacts(inputs, include=["y"])
    assert join._fs_outputs() == ({}, {"y": "2"})
    with pytest.raises(FlowDefinitionError, match="include= names 'nope', but no input has"):
        join.merge_artifacts(inputs, include=["nope"])
    with pytest.raises(FlowDefinitionError, match="not both"):
        join.merge_artifacts(inputs, include=["y"], exclude=["x"])
    with pytest.raises(FlowDefinitionError, match="takes a list of artifact names"):
        join.merge_artifacts(inputs, include="y")


def test_merge_only_in_a_join() -> None:
    inputs, _ = branch_inputs({}, {})
    flow = bound(BranchFlow, "a")
    with pytest.raises(FlowDefinitionError, match="step 'a' is not a join"):
        flow.merge_artifacts(inputs)
    join = bound(BranchFlow, "join")
    with pytest.raises(FlowDefinitionError, match="takes the join's inputs"):
        join.merge_artifacts([inputs.a])  # type: ignore[arg-type]


def test_foreach_join_labels_inputs_by_index_and_parameters_are_kept() -> None:
    params = {"alpha": 0.5, "epochs": 3}
    flows = [
        bound(
            TrainFlow,
            "train",
            FakeSource({"alpha": ("sa", 0.5), "rate": (f"r{i}", i), "score": (f"s{i}", i)}),
            index=i,
            input=i,
            parameters=params,
        )
        for i in range(3)
    ]
    inputs = Inputs(flows)
    with pytest.raises(AttributeError, match="inputs.train is ambiguous: 3 inputs"):
        inputs.train  # noqa: B018
    join = bound(TrainFlow, "join", parameters=params)
    join.join(inputs)  # merge_artifacts(inputs, include=['alpha']): alpha is set already
    assert join._fs_outputs() == ({"best": 2, "alpha": 0.5, "epochs": 3}, {})
    with pytest.raises(MergeConflict, match=r"'rate' differs .*value 1: train\[0\]; value 2"):
        join.merge_artifacts(inputs)


def test_repeated_input_labels_are_numbered() -> None:
    flows = [bound(BranchFlow, "a", FakeSource({"x": (str(i), i)})) for i in range(2)]
    join = bound(BranchFlow, "join")
    with pytest.raises(MergeConflict, match=r"value 1: a \(input 0\); value 2: a \(input 1\)"):
        join.merge_artifacts(Inputs(flows))


# -- plan_merge on its own -------------------------------------------------------------------


def _inp(label: str, artifacts: dict[str, str] | None) -> MergeInput:
    source = None if artifacts is None else FakeSource({k: (v, None) for k, v in artifacts.items()})
    return MergeInput(label, source)


def test_plan_merge_skips_reserved_internal_and_asked_names() -> None:
    inputs = [
        _inp("a", {"x": "1", "name": "n", "_fs_meta": "m", "kept": "k", "own": "o1"}),
        _inp("b", {"x": "1", "own": "o2"}),
        _inp("c", None),  # an input without artifacts takes no part
    ]
    adopted = plan_merge(inputs, step="join", skip={"own"})
    assert {name: a.sha for name, a in adopted.items()} == {"x": "1", "kept": "k"}
    assert adopted["kept"].source is inputs[0].source


def test_plan_merge_lists_every_conflict_and_bounds_the_labels() -> None:
    inputs = [_inp(f"t[{i}]", {"x": str(i % 2), "y": str(i)}) for i in range(14)]
    with pytest.raises(MergeConflict) as info:
        plan_merge(inputs, step="join", skip=())
    message = str(info.value)
    assert "(value 1: t[0], t[2], t[4], t[6], t[8], 2 more; value 2: t[1], t[3]" in message
    assert "'y' differs between inputs (value 1: t[0]; value 2: t[1];" in message
    assert "exclude=['x', 'y']" in message


def test_plan_merge_refuses_a_single_string_for_exclude() -> None:
    with pytest.raises(FlowDefinitionError, match="exclude= takes a list of artifact names"):
        plan_merge([_inp("a", {})], step="join", skip=(), exclude="x")
