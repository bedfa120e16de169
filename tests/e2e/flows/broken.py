from flowscope import FlowSpec, step


class BrokenFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.middle)

    @step
    def middel(self):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    BrokenFlow()
