"""The smallest flow: three steps in a line.

python examples/hello.py run
"""

from flowscope import FlowSpec, current, step


class HelloFlow(FlowSpec):
    """Say hello, and keep a few artifacts to inspect afterwards."""

    @step
    def start(self):
        self.greeting = "hello"
        print(f"starting {current.pathspec}")
        self.next(self.hello)

    @step
    def hello(self):
        self.x = 42
        self.message = f"{self.greeting}, world"
        print(self.message)
        self.next(self.end)

    @step
    def end(self):
        print("done:", self.message, self.x)


if __name__ == "__main__":
    HelloFlow()
