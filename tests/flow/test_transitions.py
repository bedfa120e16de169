"""What self.next(...) builds (flow/transitions.py): the Transition of a plain, foreach,
num_parallel or switch call, checked against the call the step's source writes."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import FlowDefinitionError, SwitchError
from flowscope.flow import FlowSpec, Parameter, Transition, parallel, step
from flowscope.flow.transitions import next_transition, show_next, target_name

from .shapes import BranchFlow, ForeachFlow, LinearFlow
from .sources import FakeSource, bound


def test_next_must_match_the_static_graph() -> None:
    flow = bound(LinearFlow, "middle")
    with pytest.raises(FlowDefinitionError) as info:
        flow.next(flow.start)
    message = str(info.value)
    assert "step 'middle' called self.next(self.start)" in message
    assert "reads self.next(self.end)" in message
    assert flow._fs_transition() is None


def test_next_argument_errors() -> None:
    flow = bound(LinearFlow, "middle")
    with pytest.raises(FlowDefinitionError, match=r"pass the step itself: self.next\(self.end\)"):
        flow.next("end")
    other = LinearFlow(use_cli=False)
    with pytest.raises(FlowDefinitionError, match="takes steps of this flow"):
        flow.next(other.end)
    with pytest.raises(FlowDefinitionError, match="without a step"):
        flow.next()
    with pytest.raises(FlowDefinitionError, match="only be called inside a running step"):
        LinearFlow(use_cli=False).next(flow.end)


def test_next_foreach_errors() -> None:
    flow = bound(ForeachFlow, "start")
    with pytest.raises(FlowDefinitionError, match="sets no artifact 'items'"):
        flow.next(flow.work, foreach="items")
    with pytest.raises(FlowDefinitionError, match="foreach= takes the name of an artifact"):
        flow.next(flow.work, foreach=[1, 2])
    flow.items = [1]
    with pytest.raises(FlowDefinitionError, match="needs exactly one target step, got 2"):
        flow.next(flow.work, flow.join, foreach="items")
    flow.next(flow.work, foreach="items")
    assert flow._fs_transition() == Transition(("work",), "items")


def test_next_transition_builds_without_recording() -> None:
    flow = bound(BranchFlow, "start")
    got = next_transition(
        flow, "start", (flow.a, flow.b), foreach=None, condition=None, num_parallel=None
    )
    assert got == Transition(("a", "b"), None)
    assert flow._fs_transition() is None  # FlowSpec.next records it, not this function


def test_target_name_takes_only_this_flows_bound_steps() -> None:
    flow = bound(LinearFlow, "middle")
    assert target_name(flow, "middle", flow.end) == "end"
    with pytest.raises(FlowDefinitionError, match="takes steps of this flow"):
        target_name(flow, "middle", LinearFlow.end)  # the function, not bound to the flow
    with pytest.raises(FlowDefinitionError, match="takes steps of this flow"):
        target_name(flow, "middle", flow._fs_label)  # a method that is not a step


def test_show_next_spells_the_call_as_source() -> None:
    assert show_next(("a", "b"), None) == "self.next(self.a, self.b)"
    assert show_next(("work",), "items") == "self.next(self.work, foreach='items')"
    assert show_next((), None) == "self.next()"


class GangFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train, num_parallel=2)

    @parallel
    @step
    def train(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


def test_num_parallel_must_match_the_source_and_not_go_with_foreach() -> None:
    flow = bound(GangFlow, "start")
    with pytest.raises(FlowDefinitionError, match="num_parallel= cannot go with foreach="):
        flow.next(flow.train, foreach="xs", num_parallel=2)
    with pytest.raises(FlowDefinitionError, match=r"is not valid; give the number of tasks"):
        flow.next(flow.train, num_parallel=0)
    plain = bound(LinearFlow, "middle")
    with pytest.raises(
        FlowDefinitionError,
        match=r"called self.next\(self.end, num_parallel=3\), but its source \(line \d+\) does not",
    ):
        plain.next(plain.end, num_parallel=3)
    flow.next(flow.train, num_parallel=4)  # the count is the running step's, the source's call
    assert flow._fs_transition() == Transition(("train",), None, num_parallel=4)


# -- switch steps ----------------------------------------------------------------------------


class RouteFlow(FlowSpec):
    choice = Parameter("choice", default="b")

    @step
    def start(self):
        self.next(self.pick)

    @step
    def pick(self):
        self.next({"a": self.a, "b": self.b}, condition="route")

    @step
    def by_param(self):
        self.next({"a": self.a, "b": self.b}, condition="choice")

    @step
    def by_number(self):
        self.next({0: self.a, 1: self.b}, condition="n")

    @step
    def built(self):
        cases = {"a": self.a, "b": self.b}
        self.next(cases, condition="route")

    @step
    def a(self):
        self.next(self.end)

    @step
    def b(self):
        self.next(self.end)

    @step
    def end(self):
        pass


def _route(step_name: str, **artifacts: object) -> Any:
    source = FakeSource({name: (f"sha-{name}", value) for name, value in artifacts.items()})
    return bound(RouteFlow, step_name, source, parameters={"choice": "a"})


def test_a_switch_takes_the_case_its_artifact_names() -> None:
    flow = _route("pick", route="b")
    flow.pick()
    assert flow._fs_transition() == Transition(("b",), None, condition="route", case="b")
    flow = _route("by_param")
    flow.by_param()
    assert flow._fs_transition() == Transition(("a",), None, condition="choice", case="a")
    flow = _route("by_number", n=1)
    flow.by_number()
    assert flow._fs_transition() == Transition(("b",), None, condition="n", case=1)


def test_a_switch_value_that_is_no_case_names_step_artifact_value_and_keys() -> None:
    flow = _route("pick", route="c")
    with pytest.raises(SwitchError) as info:
        flow.pick()
    message = str(info.value)
    assert "step 'pick'" in message and "self.route" in message
    assert "'c' (str)" in message and "'a', 'b'" in message
    assert flow._fs_transition() is None
    flow = _route("by_number", n="1")
    with pytest.raises(SwitchError, match=r"'1' \(str\) is not the key 1 \(int\)"):
        flow.by_number()


def test_a_switch_on_a_missing_artifact_says_so_with_a_suggestion() -> None:
    flow = _route("pick", rout="a")
    with pytest.raises(SwitchError) as info:
        flow.pick()
    message = str(info.value)
    assert "condition='route' but has no artifact 'route'" in message
    assert "Did you mean 'rout'?" in message


def test_a_mapping_of_cases_is_a_switch_whatever_its_type_and_a_method_never_is() -> None:
    from types import MappingProxyType

    flow = _route("pick", route="b")
    cases = MappingProxyType({"a": flow.a, "b": flow.b})  # a Mapping that is no dict
    with pytest.raises(FlowDefinitionError, match="a switch needs condition="):
        next_transition(flow, "pick", (cases,), foreach=None, condition=None, num_parallel=None)
    got = next_transition(
        flow, "start", (flow.pick,), foreach=None, condition=None, num_parallel=None
    )
    assert got == Transition(("pick",), None)


def test_a_switch_must_be_written_as_a_literal_dict() -> None:
    flow = _route("built", route="a")
    with pytest.raises(
        FlowDefinitionError, match=r"its source \(line \d+\) reads no dict of cases"
    ):
        flow.built()


def test_a_switch_called_wrongly_at_run_time_is_refused() -> None:
    flow = _route("pick", route="a")
    with pytest.raises(FlowDefinitionError, match="needs condition='<artifact>'"):
        flow.next({"a": flow.a, "b": flow.b})
    with pytest.raises(FlowDefinitionError, match="one dict of cases"):
        flow.next({"a": flow.a}, flow.b, condition="route")
    with pytest.raises(FlowDefinitionError, match="one dict of cases"):
        flow.next(flow.a, condition="route")
    with pytest.raises(FlowDefinitionError, match="condition=3"):
        flow.next({"a": flow.a, "b": flow.b}, condition=3)
    with pytest.raises(FlowDefinitionError, match="pass the step itself"):
        flow.next({"a": "a", "b": flow.b}, condition="route")
    with pytest.raises(FlowDefinitionError, match="the switch key 1.5 is a float"):
        flow.next({1.5: flow.a, "b": flow.b}, condition="route")
    with pytest.raises(FlowDefinitionError, match=r"called self.next\(\{'b': self.a"):
        flow.next({"b": flow.a, "a": flow.b}, condition="route")
    flow.pick()
    assert flow._fs_transition() == Transition(("a",), None, condition="route", case="a")
