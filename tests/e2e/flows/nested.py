from flowscope import FlowSpec, step


class NestedFlow(FlowSpec):
    @step
    def start(self):
        self.xs = [1, 2]
        self.next(self.outer, foreach="xs")

    @step
    def outer(self):
        self.x = self.input
        self.ys = [10, 20, 30]
        self.next(self.inner, foreach="ys")

    @step
    def inner(self):
        self.product = self.x * self.input
        self.next(self.inner_join)

    @step
    def inner_join(self, inputs):
        self.products = [i.product for i in inputs]
        self.x = inputs[0].x
        self.next(self.outer_join)

    @step
    def outer_join(self, inputs):
        self.table = {i.x: i.products for i in inputs}
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    NestedFlow()
