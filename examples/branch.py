"""A static branch: two steps run in parallel and a join brings them together.

python examples/branch.py run
"""

from flowscope import FlowSpec, step


class BranchFlow(FlowSpec):
    """Compute two things at once, then combine them."""

    @step
    def start(self):
        self.numbers = list(range(10))
        self.next(self.total, self.largest)

    @step
    def total(self):
        self.result = sum(self.numbers)
        self.next(self.join)

    @step
    def largest(self):
        self.result = max(self.numbers)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.sum_of_numbers, self.max_number = inputs.total.result, inputs.largest.result
        self.merge_artifacts(inputs, exclude=["result"])
        self.next(self.end)

    @step
    def end(self):
        print(f"sum={self.sum_of_numbers} max={self.max_number} of {len(self.numbers)} numbers")


if __name__ == "__main__":
    BranchFlow()
