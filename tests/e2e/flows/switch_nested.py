"""A switch inside a case of another switch, and a case that fans out (issue 11; run by
tests/e2e/test_switches.py).

When run with the defaults (outer = "deep", inner = "y"): start -> deep -> y -> meet -> end;
`shallow`, `x`, `fan`, `work` and `fan_join` have no tasks. With `--outer shallow`: start ->
shallow -> end. With `--outer wide`: start -> fan, then 3 tasks of `work`, then `fan_join`
(3 inputs) -> end. end prints which path ran (`route`).
"""

from flowscope import FlowSpec, Parameter, step


class SwitchNestedFlow(FlowSpec):
    outer = Parameter("outer", default="deep")
    inner = Parameter("inner", default="y")

    @step
    def start(self):
        self.next({"deep": self.deep, "shallow": self.shallow, "wide": self.fan}, condition="outer")

    @step
    def deep(self):
        self.next({"x": self.x, "y": self.y}, condition="inner")

    @step
    def x(self):
        self.route = "deep/x"
        self.next(self.meet)

    @step
    def y(self):
        self.route = "deep/y"
        self.next(self.meet)

    @step
    def meet(self):
        self.next(self.end)

    @step
    def shallow(self):
        self.route = "shallow"
        self.next(self.end)

    @step
    def fan(self):
        self.items = [1, 2, 3]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.next(self.fan_join)

    @step
    def fan_join(self, inputs):
        self.route = "wide"
        self.next(self.end)

    @step
    def end(self):
        print("route", self.route)


if __name__ == "__main__":
    SwitchNestedFlow()
