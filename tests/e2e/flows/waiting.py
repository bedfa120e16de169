"""Prints, then waits (bounded) until the test creates a gate file."""

import os
import sys
import time

from flowscope import FlowSpec, step


class WaitingFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.wait)

    @step
    def wait(self):
        print("first line", flush=True)
        print("a warning", file=sys.stderr, flush=True)
        deadline = time.time() + 60
        while not os.path.exists(os.environ["GATE"]) and time.time() < deadline:
            time.sleep(0.05)
        print("after the gate")
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    WaitingFlow()
