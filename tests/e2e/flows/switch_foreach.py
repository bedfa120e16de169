"""A switch inside a foreach: each item takes its own case (issue 11; run by
tests/e2e/test_switches.py).

When run: `work` runs 5 times (items 0..4). Items 0, 2, 4 take case "even" (3 tasks of
`even`), items 1, 3 take "odd" (2 tasks of `odd`). `collect` runs 5 times, each with one
parent (the even or odd task of its item); the join gets 5 inputs in item order and sets
labels == ["even", "odd", "even", "odd", "even"]. foreach_stack() in `even`/`odd`/`collect`
is the frame of `start` with the item's index, as in `work`.
"""

from flowscope import FlowSpec, step


class SwitchForeachFlow(FlowSpec):
    @step
    def start(self):
        self.items = list(range(5))
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.item = self.input
        self.parity = "even" if self.item % 2 == 0 else "odd"
        self.next({"even": self.even, "odd": self.odd}, condition="parity")

    @step
    def even(self):
        self.label = "even"
        self.next(self.collect)

    @step
    def odd(self):
        self.label = "odd"
        self.next(self.collect)

    @step
    def collect(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.labels = [i.label for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        print("labels", self.labels)


if __name__ == "__main__":
    SwitchForeachFlow()
