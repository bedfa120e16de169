"""Showing a flow graph (flow/render.py): the text of `flow.py show` and the recorded dict."""

from __future__ import annotations

import json

from flowscope.flow import FlowGraph
from flowscope.flow.render import format_graph, graph_to_dict

from .shapes import ForeachFlow, LinearFlow, TrainFlow
from .switch_shapes import BackLoopFlow, SelfLoopFlow, SwitchFlow, SwitchInForeachFlow


def test_text_lists_steps_in_order_with_docs_and_transitions() -> None:
    text = format_graph(FlowGraph.from_class(LinearFlow))
    assert text == (
        "LinearFlow\n"
        "    A straight line of steps.\n"
        "\n"
        "    Second paragraph of the docstring.\n"
        "\n"
        "Steps:\n"
        "    start\n"
        "        Begin here.\n"
        "        => middle\n"
        "    middle\n"
        "        => end\n"
        "    end\n"
        "        All done.\n"
        "        (the flow ends here)\n"
    )


def test_text_marks_foreach_joins_and_decorators() -> None:
    text = format_graph(FlowGraph.from_class(ForeachFlow))
    assert "=> work  (foreach over self.items)" in text
    assert "    join [join]\n" in text
    assert "    work @retry" in text


def test_text_lists_parameters() -> None:
    text = format_graph(FlowGraph.from_class(TrainFlow))
    assert "Parameters:\n    --" in text
    assert "default" in text.split("Steps:")[0]


def test_the_dict_is_json_safe_and_ordered() -> None:
    graph = FlowGraph.from_class(ForeachFlow)
    data = graph_to_dict(graph)
    assert json.loads(json.dumps(data)) == data
    assert data["flow_name"] == "ForeachFlow"
    assert [s["name"] for s in data["steps"]] == [node.name for node in graph]
    work = next(s for s in data["steps"] if s["name"] == "work")
    assert work["split_parents"] == ["start"] and work["decorators"][0]["name"] == "retry"
    start = data["steps"][0]
    assert start["foreach_param"] == "items" and start["matching_join"] == "join"


def test_text_shows_a_switch_its_cases_and_the_steps_it_may_skip() -> None:
    text = format_graph(FlowGraph.from_class(SwitchFlow))
    assert (
        "    start [switch]\n"
        "        => one of, by the value of self.route:\n"
        "             'high' => high\n"
        "             'low'  => low\n"
        "    high [may not run]\n"
    ) in text
    assert "    after\n        => end\n" in text


def test_text_marks_loops_and_the_steps_that_may_repeat() -> None:
    text = format_graph(FlowGraph.from_class(BackLoopFlow))
    assert "    train [may repeat]\n" in text
    assert (
        "    evaluate [switch, may repeat]\n"
        "        => one of, by the value of self.verdict:\n"
        "             'again' => train  (loops back)\n"
        "             'ok'    => end\n"
    ) in text
    assert "True  => count_up  (loops back)" in format_graph(FlowGraph.from_class(SelfLoopFlow))


def test_the_dict_records_a_switch_and_stays_json_safe() -> None:
    data = graph_to_dict(FlowGraph.from_class(SwitchInForeachFlow))
    assert json.loads(json.dumps(data)) == data
    work = next(s for s in data["steps"] if s["name"] == "work")
    assert work["type"] == "split-switch" and work["condition"] == "parity"
    assert work["switch_cases"] == [[0, "even"], [1, "odd"]]
    even = next(s for s in data["steps"] if s["name"] == "even")
    assert even["may_not_run"] is True and even["may_repeat"] is False
