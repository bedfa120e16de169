"""The family's behaviours from issue 11: self.input in every step of a foreach body, and
@timeout with @catch keeping what the step set before the timeout."""

import time

from flowscope import FlowSpec, catch, step, timeout


class CompatFlow(FlowSpec):
    @step
    def start(self):
        self.items = ["x", "y"]
        self.next(self.first, foreach="items")

    @step
    def first(self):
        self.at_first = self.input
        self.next(self.second)

    @catch(var="timed_out")
    @timeout(seconds=1)
    @step
    def second(self):
        self.at_second = self.input
        if self.input == "y":
            time.sleep(30)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.seen = [(i.at_first, i.at_second) for i in inputs]
        self.caught = [getattr(i, "timed_out", None) is not None for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    CompatFlow()
