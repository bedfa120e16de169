from flowscope import FlowSpec, step


class BranchFlow(FlowSpec):
    @step
    def start(self):
        self.base = 10
        self.shared = "same"
        self.next(self.a, self.b)

    @step
    def a(self):
        self.value = self.base + 1
        self.next(self.join)

    @step
    def b(self):
        self.value = self.base + 2
        self.next(self.join)

    @step
    def join(self, inputs):
        self.by_name = (inputs.a.value, inputs.b.value)
        self.in_order = [i.value for i in inputs]
        self.merge_artifacts(inputs, exclude=["value"])
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    BranchFlow()
