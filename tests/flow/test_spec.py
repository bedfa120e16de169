"""FlowSpec driven by hand, as the runtime drives it, over in-memory artifact sources.

The rules FlowSpec applies through its parts are tested with them: artifact names in
test_attributes.py, self.next calls (plain, foreach, num_parallel, switch) in
test_transitions.py, foreach helpers in test_foreach.py, the parsed source in test_static.py."""

from __future__ import annotations

import sys
import types

import pytest

from flowscope.errors import FlowDefinitionError, ParameterError
from flowscope.flow import ArtifactSource, FlowSpec, ForeachFrame, Transition, step
from flowscope.flow.contract import foreach_items

from .shapes import BranchFlow, ForeachFlow, LinearFlow, TrainFlow
from .sources import FakeSource, bound, branch_inputs


def test_fake_source_satisfies_the_protocol() -> None:
    assert isinstance(FakeSource({}), ArtifactSource)


# -- artifacts -------------------------------------------------------------------------------


def test_a_start_step_records_what_it_sets() -> None:
    flow = bound(LinearFlow, "start")
    flow.start()
    assert flow._fs_transition() == Transition(("middle",), None)
    assert flow._fs_outputs() == ({"x": 1}, {})


def test_inherited_artifacts_load_lazily_once_and_untouched_ones_pass_through() -> None:
    source = FakeSource({"x": ("sha-x", 1), "big": ("sha-big", "huge"), "other": ("sha-o", 2)})
    flow = bound(LinearFlow, "middle", source)
    flow.middle()  # reads x once, sets x = 2
    assert source.loads == ["x"]
    assert flow.x == 2 and flow.other == 2 and flow.other == 2
    assert source.loads == ["x", "other"]
    values, passthrough = flow._fs_outputs()
    assert values == {"x": 2, "other": 2}
    assert passthrough == {"big": "sha-big"}
    assert source.loads == ["x", "other"]


def test_a_loaded_value_mutated_in_place_is_written_again() -> None:
    source = FakeSource({"items": ("sha-i", [1, 2])})
    flow = bound(LinearFlow, "middle", source)
    flow.items.append(3)
    assert flow._fs_outputs() == ({"items": [1, 2, 3]}, {})


def test_missing_artifact_suggests_names_and_explains_flow_on() -> None:
    flow = bound(LinearFlow, "middle", FakeSource({"score": ("s", 1)}))
    with pytest.raises(AttributeError) as info:
        flow.scroe  # noqa: B018
    message = str(info.value)
    assert "step 'middle' of LinearFlow has no artifact 'scroe'" in message
    assert "Did you mean 'score'?" in message and "flow on to the steps after it" in message
    assert not hasattr(flow, "nothing")
    assert getattr(flow, "nothing", "fallback") == "fallback"


def test_deleting_an_artifact_stops_it_flowing_on() -> None:
    source = FakeSource({"x": ("sha-x", 1), "y": ("sha-y", 2)})
    flow = bound(LinearFlow, "middle", source)
    del flow.x
    flow.z = 3
    del flow.z
    assert flow._fs_outputs() == ({}, {"y": "sha-y"})
    with pytest.raises(AttributeError, match="'x' was deleted in this step"):
        flow.x  # noqa: B018
    with pytest.raises(AttributeError, match="no artifact 'w'"):
        del flow.w
    flow.x = 5
    assert flow._fs_outputs() == ({"x": 5}, {"y": "sha-y"})


def test_bind_drops_earlier_state() -> None:
    flow = bound(LinearFlow, "start")
    flow.start()
    flow._fs_bind("middle", FakeSource({"x": ("sha-x", 1)}))
    assert flow._fs_transition() is None
    assert flow._fs_outputs() == ({}, {"x": "sha-x"})


def test_dir_lists_artifacts_and_repr_names_the_task() -> None:
    flow = bound(ForeachFlow, "work", FakeSource({"items": ("s", [1])}), input=1, index=4)
    flow.y = 1
    assert {"items", "y"} <= set(dir(flow))
    assert repr(flow) == "<ForeachFlow work[4]>"
    assert flow.name == "ForeachFlow"


# -- parameters ------------------------------------------------------------------------------


def test_parameters_are_read_only_and_recorded_where_first_given() -> None:
    flow = bound(TrainFlow, "start", parameters={"alpha": 0.3, "epochs": 5})
    assert flow.alpha == 0.3 and flow.epochs == 5
    with pytest.raises(FlowDefinitionError, match="Parameter 'alpha' is read-only"):
        flow.alpha = 0.9
    with pytest.raises(FlowDefinitionError, match="read-only"):
        del flow.alpha
    assert flow._fs_outputs() == ({"alpha": 0.3, "epochs": 5}, {})


def test_parameters_held_by_the_source_pass_through() -> None:
    source = FakeSource({"alpha": ("sha-a", 0.3), "epochs": ("sha-e", 5), "rates": ("r", [1])})
    flow = bound(TrainFlow, "train", source, input=1, index=0, parameters={"alpha": 0.3})
    assert flow.alpha == 0.3 and flow.epochs == 5  # epochs from the source
    assert source.loads == ["epochs"]
    values, passthrough = flow._fs_outputs()
    assert values == {}
    assert passthrough == {"alpha": "sha-a", "epochs": "sha-e", "rates": "r"}


def test_unknown_or_missing_parameters() -> None:
    with pytest.raises(TypeError, match="no parameters \\['beta'\\]"):
        bound(TrainFlow, "start", parameters={"beta": 1})
    flow = bound(TrainFlow, "start")
    with pytest.raises(ParameterError, match="Parameter 'alpha' has no value in step 'start'"):
        flow.alpha  # noqa: B018


# -- foreach ---------------------------------------------------------------------------------


def test_input_index_and_foreach_stack() -> None:
    frames = (ForeachFrame.for_item("start", "items", 2, 3, 30),)
    flow = bound(ForeachFlow, "work", None, input=30, index=2, foreach_stack=frames)
    assert flow.input == 30 and flow.index == 2
    assert flow.foreach_stack() == [(2, 3, 30)] and flow._fs_stack == frames
    assert frames[0].value_repr == "30"
    flow.work()
    assert flow._fs_outputs() == ({"y": 300}, {})


def test_foreach_stack_reads_outer_values_from_the_foreach_artifacts() -> None:
    """Outside the body's first step (no input), each level's value is its item of the
    artifact it fanned out over, read without marking it as loaded (it is not re-stored)."""
    frames = (
        ForeachFrame("start", "xs", 1, 2, "'b'"),
        ForeachFrame("outer", "ys", 2, 3, "30"),
    )
    source = FakeSource({"xs": ("h1", ["a", "b"]), "ys": ("h2", range(10, 40, 10))})
    flow = bound(ForeachFlow, "join", source, foreach_stack=frames)
    assert flow.foreach_stack() == [(1, 2, "b"), (2, 3, 30)]
    assert flow._fs_outputs() == ({}, {"xs": "h1", "ys": "h2"})
    del flow.ys  # a level whose artifact is gone reads as None, as in the family
    assert flow.foreach_stack() == [(1, 2, "b"), (2, 3, None)]


def test_index_defaults_to_the_innermost_frame() -> None:
    frames = (ForeachFrame("start", "items", 1, 2, "'a'"),)
    flow = bound(ForeachFlow, "work", None, foreach_stack=frames)
    assert flow.index == 1


def test_input_outside_a_foreach_is_an_error_and_index_is_none() -> None:
    flow = bound(LinearFlow, "middle")
    assert flow.index is None and flow.foreach_stack() == []
    with pytest.raises(FlowDefinitionError, match="step 'middle' is not one"):
        flow.input  # noqa: B018


def test_foreach_items() -> None:
    flow = bound(ForeachFlow, "start")
    flow.start()
    assert flow._fs_transition() == Transition(("work",), "items")
    assert foreach_items(flow, "items") == [1, 2, 3]
    flow.numbers = 5
    with pytest.raises(FlowDefinitionError, match="needs an iterable .* self.numbers is a int"):
        foreach_items(flow, "numbers")
    flow.nothing = []
    with pytest.raises(FlowDefinitionError, match="step 'start': foreach='nothing' found no items"):
        foreach_items(flow, "nothing")
    with pytest.raises(FlowDefinitionError, match="sets no artifact 'missing'"):
        foreach_items(flow, "missing")


def test_foreach_frame_repr_is_bounded() -> None:
    frame = ForeachFrame.for_item("s", "v", 0, 1, "x" * 500)
    assert len(frame.value_repr) < 80


# -- self.next -------------------------------------------------------------------------------


def test_next_twice_is_an_error_naming_the_step() -> None:
    flow = bound(LinearFlow, "middle", FakeSource({"x": ("s", 1)}))
    flow.next(flow.end)
    with pytest.raises(FlowDefinitionError, match="step 'middle' called self.next\\(...\\) twice"):
        flow.next(flow.end)


# -- joins -----------------------------------------------------------------------------------


def test_a_join_step_runs_over_its_inputs() -> None:
    inputs, _ = branch_inputs({"x": ("sa", "a")}, {"x": ("sb", "b")})
    join = bound(BranchFlow, "join")
    join.join(inputs)
    assert join._fs_transition() == Transition(("end",), None)
    assert join._fs_outputs() == ({"xs": ["a", "b"]}, {})


# -- the command line ------------------------------------------------------------------------


def test_instantiating_a_flow_hands_control_to_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[type] = []
    fake = types.ModuleType("flowscope.cli.flow_main")
    fake.main = called.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flowscope.cli.flow_main", fake)
    LinearFlow()
    assert called == [LinearFlow]
    LinearFlow(use_cli=False)
    assert called == [LinearFlow]


class StepsOnlyFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_the_runner_imports_warm_static_from_here() -> None:
    from flowscope.flow import spec, static

    assert spec.warm_static is static.warm_static
    assert spec.__all__ == ["ArtifactSource", "FlowSpec", "ForeachFrame", "Inputs", "Transition"]


def test_end_step_has_no_transition() -> None:
    flow = bound(StepsOnlyFlow, "end", FakeSource({}))
    flow.end()
    assert flow._fs_transition() is None
