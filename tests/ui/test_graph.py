"""The run graph (graph.py): the shape read from a flow's source with ast, and the states."""

from __future__ import annotations

from flowscope.ui.graph import StepState, chain, duration_text, graph_view, shape_from_source

SOURCE = """
from flowscope import FlowSpec, step

class Base(FlowSpec):
    @step
    def end(self):
        pass

class F(Base):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.items = [1, 2]
        self.next(self.each, foreach="items")

    @step
    def each(self):
        self.next(self.inner)

    @step
    def inner(self, inputs):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next({"x": self.end, "y": self.start}, condition="pick")

    def helper(self):
        self.next(self.end)
"""


def test_the_shape_from_source() -> None:
    shape = shape_from_source(SOURCE, "F")
    assert shape is not None
    kinds = dict(shape.steps)
    assert kinds == {
        "start": "split", "a": "linear", "b": "foreach", "each": "linear", "inner": "join",
        "join": "switch", "end": "end",
    }  # fmt: skip
    assert ("join", "start") in shape.edges and ("b", "each") in shape.edges
    assert "helper" not in kinds


def test_no_shape_without_a_readable_source() -> None:
    assert shape_from_source(None, "F") is None
    assert shape_from_source("def (:", "F") is None
    assert shape_from_source(SOURCE, "Other") is None


def test_the_view_carries_status_tasks_and_duration() -> None:
    view = graph_view(chain(["start", "end"]), {"start": StepState("running", 3, 2.5)})
    start, end = view.steps
    assert (start.status, start.label) == ("running", "3 tasks · 2.5 s")
    assert (end.status, end.label) == ("pending", "not run")
    assert view.edges == (("start", "end"),)


def test_durations() -> None:
    assert [duration_text(s) for s in (None, 0.25, 3, 600, 10000)] == [
        "–", "250 ms", "3.0 s", "10.0 min", "2.8 h",
    ]  # fmt: skip
