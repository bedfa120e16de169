"""A foreach flow whose every artifact can be checked: the value depends on the run and index."""

from flowscope import FlowSpec, Parameter, current, step


class WideFlow(FlowSpec):
    n = Parameter("n", default=12, help="foreach width")

    @step
    def start(self):
        self.items = list(range(self.n))
        self.origin = f"run {current.run_id}"
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.value = self.input * 3
        self.label = f"{self.origin}/item {self.input}"
        self.blob = bytes([self.input % 256]) * (2048 + self.input)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.values = [i.value for i in inputs]
        self.labels = [i.label for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.values)
        print("total", self.total)


if __name__ == "__main__":
    WideFlow()
