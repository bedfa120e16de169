from flowscope import FlowSpec, Parameter, step


class ForeachFlow(FlowSpec):
    n = Parameter("n", default=5, help="items")

    @step
    def start(self):
        self.items = [f"item{i}" for i in range(self.n)]
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.item = self.input
        self.position = self.index
        self.next(self.join)

    @step
    def join(self, inputs):
        self.collected = [i.item for i in inputs]
        self.positions = [i.position for i in inputs]
        self.input_indexes = [i.index for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ForeachFlow()
