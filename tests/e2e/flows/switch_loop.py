"""Recursive steps: a step that loops on itself with a counter, and a loop back to an earlier
step (issue 11; run by tests/e2e/test_switches.py).

When run with the defaults (--times 3, --rounds 2):
- `count_up` runs 3 times (3 tasks, each the parent of the next), count == 3 after the last.
- then `train` and `evaluate` run twice each: evaluate's first task takes case "again" back
  to `train`, the second takes "done" to `end`.
- end sees count == 3 and trained == 2. While the file named by --blocker exists, the second
  `evaluate` fails; resuming such a run (once the file is gone) clones start, count_up's 3
  tasks, the first train/evaluate pass and the second train, and runs the second evaluate and
  end again.
With --times 1, `count_up` runs once (more is False at once).
"""

import os

from flowscope import FlowSpec, Parameter, step


class SwitchLoopFlow(FlowSpec):
    times = Parameter("times", default=3)
    rounds = Parameter("rounds", default=2)
    blocker = Parameter("blocker", default="", help="while this file exists, round 2 fails")

    @step
    def start(self):
        self.count = 0
        self.trained = 0
        self.next(self.count_up)

    @step
    def count_up(self):
        self.count += 1
        self.more = self.count < self.times
        self.next({True: self.count_up, False: self.train}, condition="more")

    @step
    def train(self):
        self.trained += 1
        self.next(self.evaluate)

    @step
    def evaluate(self):
        if self.trained == 2 and self.blocker and os.path.exists(self.blocker):
            raise RuntimeError("the second evaluation is blocked")
        self.verdict = "done" if self.trained >= self.rounds else "again"
        self.next({"again": self.train, "done": self.end}, condition="verdict")

    @step
    def end(self):
        print("count", self.count, "trained", self.trained)


if __name__ == "__main__":
    SwitchLoopFlow()
