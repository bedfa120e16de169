"""A flow to spin steps of (tests/e2e/test_spin.py): a foreach, a join, a failing step."""

import os

from flowscope import FlowSpec, Parameter, card, current, step


class SpinMeFlow(FlowSpec):
    alpha = Parameter("alpha", default=2, help="a multiplier")

    @step
    def start(self):
        self.items = [1, 2, 3]
        self.base = 10
        self.next(self.body, foreach="items")

    @card
    @step
    def body(self):
        if os.environ.get("SPIN_FAIL") == current.step_name:
            raise ValueError("asked to fail")
        self.out = self.input * self.alpha + self.base
        self.seen_index = self.index
        print(f"body {self.input} -> {self.out}")
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.out for i in inputs)
        self.base = inputs[0].base
        print(f"total {self.total}")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    SpinMeFlow()
