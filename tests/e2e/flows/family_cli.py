from flowscope import FlowSpec, Parameter, get_namespace, step


class FamilyCliFlow(FlowSpec):
    """The family's command-line spellings (tests/e2e/test_family_cli.py)."""

    n = Parameter("n", default=3, help="foreach items")
    chatter = Parameter("chatter", default=0, help="lines the start step prints")

    @step
    def start(self):
        for i in range(self.chatter):
            print(f"chatter line {i:06d}")
        self.seen_namespace = get_namespace()
        self.items = list(range(self.n))
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.item = self.input
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.item for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    FamilyCliFlow()
