"""W1: the smallest flow, three steps in a line (the README's hello example)."""

import importlib
import os

pkg = importlib.import_module(os.environ.get("BENCH_PKG", "flowscope"))
FlowSpec, step = pkg.FlowSpec, pkg.step


class HelloFlow(FlowSpec):
    @step
    def start(self):
        self.greeting = "hello"
        self.next(self.hello)

    @step
    def hello(self):
        self.x = 42
        self.message = f"{self.greeting}, world"
        print(self.message)
        self.next(self.end)

    @step
    def end(self):
        print("done:", self.message, self.x)


if __name__ == "__main__":
    HelloFlow()
