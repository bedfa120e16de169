"""A switch inside one branch of a static split (issue 11; run by tests/e2e/test_switches.py).

When run: start splits into `a` and `b`; both run. `b` switches on pick = "c", so `c` runs and
`d` has no tasks. The join takes two inputs, from `a` and from `c` (inputs.a and inputs.c),
and sets seen = ["a", "c"]. With `--pick d` the join's inputs are `a` and `d`.
"""

from flowscope import FlowSpec, Parameter, step


class SwitchBranchFlow(FlowSpec):
    pick = Parameter("pick", default="c")

    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.mark = "a"
        self.next(self.join)

    @step
    def b(self):
        self.next({"c": self.c, "d": self.d}, condition="pick")

    @step
    def c(self):
        self.mark = "c"
        self.next(self.join)

    @step
    def d(self):
        self.mark = "d"
        self.next(self.join)

    @step
    def join(self, inputs):
        self.seen = sorted(i.mark for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("seen", self.seen)


if __name__ == "__main__":
    SwitchBranchFlow()
