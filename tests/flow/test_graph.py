"""The static graph read from a flow class's source."""

from __future__ import annotations

import json

import pytest

from flowscope.errors import FlowDefinitionError
from flowscope.flow import FlowGraph, FlowSpec, format_graph, graph_to_dict, step

from . import shapes, switch_shapes
from .shapes import line_of


def graph(flow_cls: type) -> FlowGraph:
    return FlowGraph.from_class(flow_cls)


def test_linear_flow() -> None:
    g = graph(shapes.LinearFlow)
    assert list(g.nodes) == ["start", "middle", "end"]
    assert g.sorted_nodes == ["start", "middle", "end"]
    assert [n.type for n in g] == ["start", "linear", "end"]
    assert g["middle"].in_funcs == ["start"] and g["middle"].out_funcs == ["end"]
    assert g["end"].out_funcs == [] and g["start"].in_funcs == []
    assert all(n.split_parents == [] and n.matching_join is None for n in g)
    assert g.flow_name == "LinearFlow"
    assert g.file == shapes.__file__
    assert g.doc == "A straight line of steps.\n\nSecond paragraph of the docstring."
    assert g["start"].doc == "Begin here." and g["middle"].doc is None


def test_lines_are_absolute_file_lines() -> None:
    g = graph(shapes.LinearFlow)
    assert g["start"].line == line_of(shapes.LinearFlow, "def start")
    assert g["end"].line == line_of(shapes.LinearFlow, "def end")
    assert g.line == line_of(shapes.LinearFlow, "class LinearFlow")
    (call,) = g["middle"].next_calls
    assert call.line == line_of(shapes.LinearFlow, "self.next(self.end)")
    assert call.targets == ("end",) and call.is_tail


def test_static_branch() -> None:
    g = graph(shapes.BranchFlow)
    assert g["start"].type == "split" and g["start"].is_split
    assert g["start"].out_funcs == ["a", "b"]
    assert g["start"].matching_join == "join"
    assert g["a"].split_parents == ["start"] and g["b"].split_parents == ["start"]
    join = g["join"]
    assert join.type == "join" and join.is_join
    assert join.in_funcs == ["a", "b"]
    assert join.split_parents == ["start"]  # a join's stack ends with the split it closes
    assert g["end"].split_parents == []
    assert g.sorted_nodes == ["start", "a", "b", "join", "end"]


def test_foreach() -> None:
    g = graph(shapes.ForeachFlow)
    start = g["start"]
    assert start.type == "foreach" and start.is_foreach and not start.is_split
    assert start.foreach_param == "items" and start.out_funcs == ["work"]
    assert start.matching_join == "join"
    assert g["work"].split_parents == ["start"]
    assert g["work"].foreach_param is None
    assert [d.name for d in g["work"].decorators] == ["retry"]


def test_nested_foreach() -> None:
    g = graph(shapes.NestedForeachFlow)
    assert g["outer"].type == "foreach" and g["outer"].foreach_param == "inner_items"
    assert g["inner"].split_parents == ["start", "outer"]
    assert g["inner_join"].split_parents == ["start", "outer"]
    assert g["outer_join"].split_parents == ["start"]
    assert g["outer"].matching_join == "inner_join"
    assert g["start"].matching_join == "outer_join"
    assert g.sorted_nodes == ["start", "outer", "inner", "inner_join", "outer_join", "end"]


def test_branch_inside_foreach() -> None:
    g = graph(shapes.BranchInForeachFlow)
    assert g["fan"].split_parents == ["start"] and g["fan"].type == "split"
    assert g["left"].split_parents == ["start", "fan"]
    assert g["fan"].matching_join == "branch_join"
    assert g["start"].matching_join == "foreach_join"
    assert g["branch_join"].in_funcs == ["left", "right"]
    assert g["foreach_join"].split_parents == ["start"]


def test_join_that_fans_out_again_is_typed_by_its_transition() -> None:
    g = graph(shapes.JoinThenForeachFlow)
    join = g["join"]
    assert join.is_join and join.type == "foreach" and join.foreach_param == "items"
    assert join.split_parents == ["start"]
    assert g["each"].split_parents == ["join"]
    assert join.matching_join == "collect" and g["start"].matching_join == "join"


def test_inherited_steps_and_overrides() -> None:
    g = graph(shapes.InheritedFlow)
    assert set(g.nodes) == {"start", "extra", "end"}
    assert g["start"].out_funcs == ["extra"]
    assert g["start"].line == line_of(shapes.InheritedFlow, "def start")
    assert g["end"].line == line_of(shapes.BaseSteps, "def end")
    assert g.sorted_nodes == ["start", "extra", "end"]


def test_decorators_and_parameters_are_read() -> None:
    g = graph(shapes.TrainFlow)
    train = g["train"]
    assert [d.name for d in train.decorators] == ["retry", "timeout", "catch"]
    retry = train.decorator("retry")
    assert retry is not None and retry.attributes() == {
        "times": 2,
        "minutes_between_retries": 0,
    }
    assert train.decorator("nope") is None
    assert list(g.parameters) == ["alpha", "epochs"]
    assert g.parameter_lines["alpha"] == line_of(shapes.TrainFlow, "alpha = Parameter")


def test_unknown_step_lookup_suggests_names() -> None:
    g = graph(shapes.BranchFlow)
    with pytest.raises(KeyError, match="Did you mean 'join'"):
        g["joim"]
    assert "join" in g and "nope" not in g and len(g) == 5


def test_a_flow_class_defined_inside_a_function() -> None:
    class Indented(FlowSpec):
        @step
        def start(self):
            text = """
at column zero inside a string
"""
            self.text = text
            self.next(self.end)

        @step
        def end(self):
            pass

    g = graph(Indented)
    assert g["start"].out_funcs == ["end"]
    assert g["start"].line == line_of(Indented, "def start")


def test_a_class_without_source_is_a_clear_error() -> None:
    def start(self):  # pragma: no cover - never run
        self.next(self.end)

    dynamic = type("Dynamic", (FlowSpec,), {"start": step(start)})
    with pytest.raises(FlowDefinitionError, match="Cannot read the source"):
        graph(dynamic)


def test_format_graph_lists_steps_docs_and_transitions() -> None:
    text = format_graph(graph(shapes.TrainFlow))
    assert text.startswith("TrainFlow\n    Train one model per learning rate and keep the best.")
    assert "--alpha (float, default 0.5)  smoothing" in text
    assert "=> train  (foreach over self.rates)" in text
    assert "Fit one model." in text
    assert "@retry(times=2, minutes_between_retries=0)" in text
    assert "@timeout(seconds=120)" in text
    assert text.index("    start") < text.index("    train") < text.index("    join [join]")
    assert "(the flow ends here)" in text


def test_graph_to_dict_is_json_safe_and_complete() -> None:
    data = json.loads(json.dumps(graph_to_dict(graph(shapes.TrainFlow))))
    assert data["flow_name"] == "TrainFlow"
    assert [s["name"] for s in data["steps"]] == ["start", "train", "join", "end"]
    train = data["steps"][1]
    assert train["split_parents"] == ["start"]
    assert {"name": "timeout", "attributes": {"seconds": 120}} in train["decorators"]
    assert data["steps"][0]["foreach_param"] == "rates"
    assert data["parameters"][0] == {
        "name": "alpha",
        "type": "float",
        "default": 0.5,
        "required": False,
        "help": "smoothing",
    }


# -- switch steps and loops ------------------------------------------------------------------


def test_a_switch_is_a_split_switch_node_with_its_cases_and_condition() -> None:
    g = graph(switch_shapes.SwitchFlow)
    start = g["start"]
    assert start.type == "split-switch" and start.is_switch
    assert not start.is_split and not start.is_foreach
    assert start.condition == "route"
    assert start.switch_cases == (("high", "high"), ("low", "low"))
    assert start.out_funcs == ["high", "low"]
    assert g["after"].in_funcs == ["high", "low"] and g["after"].type == "linear"
    assert all(n.split_parents == [] and n.matching_join is None for n in g)
    assert g.sorted_nodes == ["start", "high", "low", "after", "end"]


def test_keys_keep_their_type_and_several_keys_may_share_a_step() -> None:
    assert graph(switch_shapes.SwitchInForeachFlow)["work"].switch_cases == (
        (0, "even"),
        (1, "odd"),
    )
    nested = graph(switch_shapes.NestedSwitchFlow)
    assert nested["start"].switch_cases == ((True, "inner"), (False, "plain"))

    class SharedFlow(FlowSpec):
        @step
        def start(self):
            self.k = "a"
            self.next({"a": self.one, "b": self.one, "c": self.end}, condition="k")

        @step
        def one(self):
            self.next(self.end)

        @step
        def end(self):
            pass

    start = graph(SharedFlow)["start"]
    assert start.out_funcs == ["one", "end"] and len(start.switch_cases) == 3


SHAPE_FACTS = {
    # flow: (conditional steps, looping steps, loops, {step: split_parents})
    "SwitchFlow": ({"high", "low"}, set(), (), {"after": []}),
    "SkipFlow": ({"extra_step"}, set(), (), {"after": []}),
    "SwitchInBranchFlow": ({"c", "d"}, set(), (), {"c": ["start"], "join": ["start"]}),
    "SwitchInForeachFlow": ({"even", "odd"}, set(), (), {"odd": ["start"], "collect": ["start"]}),
    "NestedSwitchFlow": ({"inner", "x", "y", "meet", "plain"}, set(), (), {"meet": []}),
    "SelfLoopFlow": (set(), {"count_up"}, (("count_up", "count_up"),), {"count_up": []}),
    "BackLoopFlow": (set(), {"train", "evaluate"}, (("evaluate", "train"),), {"train": []}),
    "ForeachInCaseFlow": ({"fan", "work", "join", "single"}, set(), (), {"work": ["fan"]}),
    "LoopInForeachFlow": (
        set(),
        {"step_down"},
        (("step_down", "step_down"),),
        {"step_down": ["start"], "join": ["start"]},
    ),
}


@pytest.mark.parametrize("flow_cls", switch_shapes.SWITCH_SHAPES, ids=lambda c: c.__name__)
def test_switch_shapes_parse_to_the_right_graph(flow_cls: type) -> None:
    conditional, looping, loops, parents = SHAPE_FACTS[flow_cls.__name__]
    g = graph(flow_cls)
    assert g.conditional_steps == conditional
    assert g.looping_steps == looping
    assert g.topology.loops == loops and g.topology.cycle is None
    for name, expected in parents.items():
        assert g[name].split_parents == expected, name
    assert g.sorted_nodes[0] == "start" and g.sorted_nodes[-1] == "end"


def test_a_loop_target_lists_the_switch_among_its_parents_but_is_ordered_before_it() -> None:
    g = graph(switch_shapes.BackLoopFlow)
    assert g["train"].in_funcs == ["start", "evaluate"]
    assert g.sorted_nodes == ["start", "train", "evaluate", "end"]
    assert g["evaluate"].type == "split-switch" and g["evaluate"].out_funcs == ["train", "end"]


def test_a_join_inside_a_branch_closes_it_whichever_case_ran() -> None:
    g = graph(switch_shapes.SwitchInBranchFlow)
    assert g["start"].matching_join == "join"
    assert g["join"].in_funcs == ["a", "c", "d"]
    assert g["b"].type == "split-switch" and g["b"].matching_join is None
