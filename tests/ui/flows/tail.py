"""A flow whose start step prints a line every 50 ms until the file `gate/open` exists (at
most 60 s), then prints "done": a task to watch with the task page's live tail."""

import time
from pathlib import Path

from flowscope import FlowSpec, Parameter, step


class TailFlow(FlowSpec):
    gate = Parameter("gate", default="", help="the gate directory")

    @step
    def start(self):
        gate = Path(self.gate)
        (gate / "started").touch()
        deadline = time.time() + 60
        n = 0
        while not (gate / "open").exists() and time.time() < deadline:
            print(f"tick {n}", flush=True)
            n += 1
            time.sleep(0.05)
        print("done", flush=True)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    TailFlow()
