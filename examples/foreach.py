"""A foreach: one task per item, run in parallel, then joined in item order.

python examples/foreach.py run --count 20
"""

from flowscope import FlowSpec, Parameter, step


class ForeachFlow(FlowSpec):
    """Square every number, then add up the squares."""

    count = Parameter("count", default=10, help="how many numbers to square")

    @step
    def start(self):
        self.numbers = list(range(self.count))
        self.next(self.square, foreach="numbers")

    @step
    def square(self):
        self.squared = self.input * self.input
        self.next(self.join)

    @step
    def join(self, inputs):
        self.squares = [i.squared for i in inputs]
        self.total = sum(self.squares)
        self.next(self.end)

    @step
    def end(self):
        print(f"sum of squares below {self.count}: {self.total}")


if __name__ == "__main__":
    ForeachFlow()
