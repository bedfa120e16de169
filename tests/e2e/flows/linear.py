from flowscope import FlowSpec, current, step


class LinearFlow(FlowSpec):
    """start -> middle -> end"""

    @step
    def start(self):
        self.x = 1
        self.seen = [current.step_name]
        print("hello from start")
        self.next(self.middle)

    @step
    def middle(self):
        self.x += 1
        self.seen = self.seen + [current.step_name]
        self.untouched_later = "kept"
        import sys

        print("to stderr", file=sys.stderr)
        self.next(self.end)

    @step
    def end(self):
        self.pathspec_seen = current.pathspec
        self.seen = self.seen + [current.step_name]


if __name__ == "__main__":
    LinearFlow()
