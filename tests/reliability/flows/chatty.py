"""A foreach flow whose `body` tasks print a line every 10 ms until `gate/open` exists (at
most 60 s); each creates `gate/started.<run>.<index>.<pid>` when it starts."""

import os
import time
from pathlib import Path

from flowscope import FlowSpec, Parameter, current, step


class ChattyFlow(FlowSpec):
    n = Parameter("n", default=3, help="foreach width")
    gate = Parameter("gate", default="", help="the gate directory")

    @step
    def start(self):
        self.items = list(range(self.n))
        self.next(self.body, foreach="items")

    @step
    def body(self):
        gate = Path(self.gate)
        (gate / f"started.{current.run_id}.{self.index}.{os.getpid()}").touch()
        deadline = time.time() + 60
        while not (gate / "open").exists() and time.time() < deadline:
            print(f"task {self.index} still working", flush=True)
            time.sleep(0.01)
        self.value = self.input
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ChattyFlow()
