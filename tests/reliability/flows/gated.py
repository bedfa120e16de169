"""A foreach flow a test can hold, crash and release from outside, through files in `gate`.

In each `body` task:
  - `gate/started.<run>.<index>.<pid>` is created when the task starts (so the test knows the
    worker's pid);
  - while `gate/hold` exists and neither `gate/open` nor `gate/open.<index>` does, the task
    waits (at most 60 s);
  - with `gate/bomb`, the task kills its own process with SIGKILL while its artifacts are
    being stored: `a_big` is already written to the blob store, `b_bomb` never is;
  - with `gate/heavy`, the task also sets eight 2 MB artifacts `heavy_0` ... `heavy_7`.
"""

import os
import signal
import time
from pathlib import Path

from flowscope import FlowSpec, Parameter, current, step


class Bomb:
    def __reduce__(self):
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(10)  # not reached
        return (Bomb, ())


class GatedFlow(FlowSpec):
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
        while (
            (gate / "hold").exists()
            and not (gate / "open").exists()
            and not (gate / f"open.{self.index}").exists()
        ):
            if time.time() > deadline:
                raise TimeoutError("the test never opened the gate")
            time.sleep(0.02)
        self.value = self.input * 10
        self.a_big = bytes(range(256)) * 4096 + str(self.input).encode()  # ~1 MB, unique
        if (gate / "heavy").exists():
            for i in range(8):
                setattr(self, f"heavy_{i}", os.urandom(2 << 20))
        if (gate / "bomb").exists():
            self.b_bomb = Bomb()
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.value for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    GatedFlow()
