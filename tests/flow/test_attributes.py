"""Which names may be artifacts (flow/attributes.py), through `self.<name> = ...` and directly,
and the messages for a refused, deleted or missing name."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import FlowSpec, Parameter, step
from flowscope.flow.attributes import (
    FLOW_ON_HINT,
    check_artifact_name,
    deleted_artifact,
    internal_name,
    missing_artifact,
    read_only_input,
)
from flowscope.flow.names import RESERVED

from .shapes import LinearFlow, TrainFlow
from .sources import bound, branch_inputs


def test_private_names_are_artifacts_but_internal_ones_are_refused() -> None:
    flow = bound(LinearFlow, "start")
    flow._cache = {"k": 1}
    with pytest.raises(FlowDefinitionError, match="'_fs_scratch' is reserved"):
        flow._fs_scratch = 1
    assert flow._fs_outputs() == ({"_cache": {"k": 1}}, {})


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("name", "'name' is reserved by flowscope (FlowSpec.name)"),
        ("next", "'next' is reserved"),
        ("input", "'input' is reserved"),
        ("index", "'index' is reserved"),
        ("merge_artifacts", "reserved"),
        ("middle", "'middle' is a step of LinearFlow"),
        ("__weird__", "names starting with '__'"),
    ],
)
def test_reserved_names_cannot_be_artifacts(name: str, fragment: str) -> None:
    flow = bound(LinearFlow, "start")
    with pytest.raises(FlowDefinitionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        setattr(flow, name, 1)
    assert flow._fs_outputs() == ({}, {})


class WithClassAttribute(FlowSpec):
    LIMIT = 10

    def helper(self) -> int:  # pragma: no cover - never run
        return 1


def test_class_attributes_and_methods_cannot_be_shadowed() -> None:
    flow = bound(WithClassAttribute, "start")
    with pytest.raises(FlowDefinitionError, match="'LIMIT' is a class attribute"):
        flow.LIMIT = 11
    with pytest.raises(FlowDefinitionError, match="'helper' is a class attribute"):
        flow.helper = 1


def test_every_public_flowspec_attribute_is_reserved() -> None:
    public = {n for n in dir(FlowSpec) if not n.startswith("_")}
    assert public == set(RESERVED)


def test_check_artifact_name_accepts_plain_names_and_refuses_what_the_class_holds() -> None:
    for ok in ("x", "_cache", "score_2", "Alpha"):
        check_artifact_name(TrainFlow, "TrainFlow", ok)
    with pytest.raises(FlowDefinitionError, match="Parameter 'alpha' is read-only"):
        check_artifact_name(TrainFlow, "TrainFlow", "alpha")
    with pytest.raises(FlowDefinitionError, match="'train' is a step of Named; an artifact"):
        check_artifact_name(TrainFlow, "Named", "train")
    with pytest.raises(FlowDefinitionError, match="must be ASCII Python identifiers"):
        check_artifact_name(TrainFlow, "TrainFlow", "naïve")
    with pytest.raises(FlowDefinitionError, match="'foreach_stack' is reserved by flowscope"):
        check_artifact_name(TrainFlow, "TrainFlow", "foreach_stack")


class Child(TrainFlow):
    THRESHOLD = 0.5
    bias = Parameter("bias", default=0.0)

    @step
    def extra(self):  # pragma: no cover - never run
        self.next(self.end)


def test_names_held_by_a_base_class_are_refused_too() -> None:
    with pytest.raises(FlowDefinitionError, match="'THRESHOLD' is a class attribute of Child"):
        check_artifact_name(Child, "Child", "THRESHOLD")
    with pytest.raises(FlowDefinitionError, match="Parameter 'alpha'"):
        check_artifact_name(Child, "Child", "alpha")
    with pytest.raises(FlowDefinitionError, match="Parameter 'bias'"):
        check_artifact_name(Child, "Child", "bias")
    with pytest.raises(FlowDefinitionError, match="'start' is a step of Child"):
        check_artifact_name(Child, "Child", "start")


def test_the_inputs_of_a_join_are_read_only() -> None:
    inputs, _ = branch_inputs({"x": ("sa", 1)}, {"x": ("sb", 2)})
    with pytest.raises(FlowDefinitionError, match=r"read-only \(a.x\); set self.x in the join"):
        inputs.a.x = 3
    with pytest.raises(FlowDefinitionError, match=r"read-only \(b.x\)"):
        del inputs.b.x
    assert read_only_input("train[3]", "y") == (
        "The inputs of a join are read-only (train[3].y); set self.y in the join step instead."
    )


def test_the_messages_name_the_value_and_the_way_out() -> None:
    assert "'_fs_x' is reserved" in internal_name("_fs_x") and "'_fs_'" in internal_name("_fs_x")
    assert deleted_artifact("step 'a' of F", "x") == (
        "step 'a' of F: the artifact 'x' was deleted in this step."
    )
    message = missing_artifact("step 'a' of F", "scroe", ["score", "other"])
    assert message == f"step 'a' of F has no artifact 'scroe'. Did you mean 'score'? {FLOW_ON_HINT}"
    assert missing_artifact("F", "zzz", ["score"]) == f"F has no artifact 'zzz'. {FLOW_ON_HINT}"
