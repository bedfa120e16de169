"""Graph-shape fixture flows, valid ones, as real classes (the graph reads their source)."""

from __future__ import annotations

import inspect
from typing import Any

from flowscope.flow import FlowSpec, Parameter, catch, retry, step, timeout


def line_of(obj: Any, snippet: str, nth: int = 1) -> int:
    """The absolute file line of the nth line of `obj`'s source that contains `snippet`."""
    lines, first = inspect.getsourcelines(obj)
    hits = [first + i for i, line in enumerate(lines) if snippet in line]
    return hits[nth - 1]


class LinearFlow(FlowSpec):
    """A straight line of steps.

    Second paragraph of the docstring.
    """

    @step
    def start(self):
        """Begin here."""
        self.x = 1
        self.next(self.middle)

    @step
    def middle(self):
        self.x += 1
        self.next(self.end)

    @step
    def end(self):
        """All done."""


class BranchFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.x = "a"
        self.next(self.join)

    @step
    def b(self):
        self.x = "b"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.xs = [inp.x for inp in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


class ForeachFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2, 3]
        self.next(self.work, foreach="items")

    @retry(times=2)
    @step
    def work(self):
        self.y = self.input * 10
        self.next(self.join)

    @step
    def join(self, inputs):
        self.ys = [inp.y for inp in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


class NestedForeachFlow(FlowSpec):
    @step
    def start(self):
        self.outer_items = ["p", "q"]
        self.next(self.outer, foreach="outer_items")

    @step
    def outer(self):
        self.inner_items = [1, 2]
        self.next(self.inner, foreach="inner_items")

    @step
    def inner(self):
        self.next(self.inner_join)

    @step
    def inner_join(self, inputs):
        self.next(self.outer_join)

    @step
    def outer_join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


class BranchInForeachFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        self.next(self.fan, foreach="items")

    @step
    def fan(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.next(self.branch_join)

    @step
    def right(self):
        self.next(self.branch_join)

    @step
    def branch_join(self, inputs):
        self.next(self.foreach_join)

    @step
    def foreach_join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


class JoinByNameFlow(FlowSpec):
    """Joins read their inputs by branch name."""

    @step
    def start(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.x = 1
        self.next(self.join)

    @step
    def right(self):
        self.x = 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = inputs.left.x + inputs.right.x
        self.next(self.end)

    @step
    def end(self):
        pass


class JoinThenForeachFlow(FlowSpec):
    """A join that fans out again with foreach."""

    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.items = [1, 2]
        self.next(self.each, foreach="items")

    @step
    def each(self):
        self.next(self.collect)

    @step
    def collect(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


class TrainFlow(FlowSpec):
    """Train one model per learning rate and keep the best."""

    alpha = Parameter("alpha", default=0.5, type=float, help="smoothing")
    epochs = Parameter("epochs", default=3)

    @step
    def start(self):
        self.rates = [0.01, 0.1, 1.0]
        self.next(self.train, foreach="rates")

    @catch(var="failure")
    @timeout(minutes=2)
    @retry(times=2)
    @step
    def train(self):
        """Fit one model."""
        self.rate = self.input
        self.score = 1 - abs(self.rate - 0.1)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.best = max(inputs, key=lambda i: i.score).rate
        self.merge_artifacts(inputs, include=["alpha"])
        self.next(self.end)

    @step
    def end(self):
        print("best rate", self.best)


class BaseSteps(FlowSpec):
    """Steps inherited by a subclass."""

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class InheritedFlow(BaseSteps):
    @step
    def start(self):
        self.next(self.extra)

    @step
    def extra(self):
        self.next(self.end)


VALID_SHAPES = [
    LinearFlow,
    BranchFlow,
    ForeachFlow,
    NestedForeachFlow,
    BranchInForeachFlow,
    JoinByNameFlow,
    JoinThenForeachFlow,
    TrainFlow,
    InheritedFlow,
]
