"""Valid flows with switch steps and loops, as real classes (the graph reads their source)."""

from __future__ import annotations

from flowscope.flow import FlowSpec, Parameter, step


class SwitchFlow(FlowSpec):
    """Two cases that meet again at a step without inputs."""

    value = Parameter("value", default=42)

    @step
    def start(self):
        self.route = "high" if self.value >= 50 else "low"
        self.next({"high": self.high, "low": self.low}, condition="route")

    @step
    def high(self):
        self.result = "high"
        self.next(self.after)

    @step
    def low(self):
        self.result = "low"
        self.next(self.after)

    @step
    def after(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class SkipFlow(FlowSpec):
    """One case runs an extra step, the other goes straight to where they meet."""

    @step
    def start(self):
        self.extra = "yes"
        self.next({"yes": self.extra_step, "no": self.after}, condition="extra")

    @step
    def extra_step(self):
        self.next(self.after)

    @step
    def after(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class SwitchInBranchFlow(FlowSpec):
    """A switch in one branch of a static split; both of its cases lead to the join."""

    @step
    def start(self):
        self.pick = "c"
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.join)

    @step
    def b(self):
        self.next({"c": self.c, "d": self.d}, condition="pick")

    @step
    def c(self):
        self.next(self.join)

    @step
    def d(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


class SwitchInForeachFlow(FlowSpec):
    """Each foreach item takes its own case; the cases meet before the join."""

    @step
    def start(self):
        self.items = [1, 2, 3]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.parity = self.input % 2
        self.next({0: self.even, 1: self.odd}, condition="parity")

    @step
    def even(self):
        self.next(self.collect)

    @step
    def odd(self):
        self.next(self.collect)

    @step
    def collect(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


class NestedSwitchFlow(FlowSpec):
    """A switch inside a case of another switch."""

    @step
    def start(self):
        self.outer = True
        self.next({True: self.inner, False: self.plain}, condition="outer")

    @step
    def inner(self):
        self.which = "x"
        self.next({"x": self.x, "y": self.y}, condition="which")

    @step
    def x(self):
        self.next(self.meet)

    @step
    def y(self):
        self.next(self.meet)

    @step
    def meet(self):
        self.next(self.end)

    @step
    def plain(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class SelfLoopFlow(FlowSpec):
    """A recursive step: it runs again until its counter reaches the limit."""

    @step
    def start(self):
        self.count = 0
        self.next(self.count_up)

    @step
    def count_up(self):
        self.count += 1
        self.more = self.count < 3
        self.next({True: self.count_up, False: self.end}, condition="more")

    @step
    def end(self):
        pass


class BackLoopFlow(FlowSpec):
    """A switch that goes back to an earlier step: train, evaluate, train again if needed."""

    @step
    def start(self):
        self.rounds = 0
        self.next(self.train)

    @step
    def train(self):
        self.rounds += 1
        self.next(self.evaluate)

    @step
    def evaluate(self):
        self.verdict = "ok" if self.rounds >= 2 else "again"
        self.next({"again": self.train, "ok": self.end}, condition="verdict")

    @step
    def end(self):
        pass


class ForeachInCaseFlow(FlowSpec):
    """One case fans out and joins; the other case skips the whole foreach."""

    @step
    def start(self):
        self.mode = "many"
        self.items = [1, 2]
        self.next({"many": self.fan, "one": self.single}, condition="mode")

    @step
    def fan(self):
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def single(self):
        self.next(self.end)

    @step
    def end(self):
        pass


class LoopInForeachFlow(FlowSpec):
    """Each foreach item loops on its own; the loop stays inside the foreach."""

    @step
    def start(self):
        self.items = [2, 3]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.left = self.input
        self.next(self.step_down)

    @step
    def step_down(self):
        self.left -= 1
        self.done = self.left <= 0
        self.next({False: self.step_down, True: self.finish}, condition="done")

    @step
    def finish(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


SWITCH_SHAPES = [
    SwitchFlow,
    SkipFlow,
    SwitchInBranchFlow,
    SwitchInForeachFlow,
    NestedSwitchFlow,
    SelfLoopFlow,
    BackLoopFlow,
    ForeachInCaseFlow,
    LoopInForeachFlow,
]
