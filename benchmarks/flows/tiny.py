"""W4: a two-step flow run many times, each run keeping a small artifact `x`."""

import importlib
import os

pkg = importlib.import_module(os.environ.get("BENCH_PKG", "flowscope"))
FlowSpec, Parameter, step = pkg.FlowSpec, pkg.Parameter, pkg.step


class TinyFlow(FlowSpec):
    i = Parameter("i", default=0, type=int, help="the run's index")

    @step
    def start(self):
        self.x = self.i
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    TinyFlow()
