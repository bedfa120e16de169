"""W2 (and W4's 1,000-task read): a foreach of `--n` tiny tasks, joined."""

import importlib
import os

pkg = importlib.import_module(os.environ.get("BENCH_PKG", "flowscope"))
FlowSpec, Parameter, step = pkg.FlowSpec, pkg.Parameter, pkg.step


class ForeachFlow(FlowSpec):
    n = Parameter("n", default=200, type=int, help="number of foreach tasks")

    @step
    def start(self):
        self.items = list(range(self.n))
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.x = self.input * 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.x for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        assert self.total == self.n * (self.n - 1), self.total


if __name__ == "__main__":
    ForeachFlow()
