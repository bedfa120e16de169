"""Recursive steps: a step that loops on itself with a counter, and a loop back to an earlier
step (issue 11, part 2: not run by tests yet).

When run with the defaults (--times 3, --rounds 2):
- `count_up` runs 3 times (3 tasks, each the parent of the next), count == 3 after the last.
- then `train` and `evaluate` run twice each: evaluate's first task takes case "again" back
  to `train`, the second takes "done" to `end`.
- end sees count == 3 and trained == 2. Resuming a run that failed in the second `evaluate`
  clones count_up's 3 tasks and the first train/evaluate pass, and re-runs from there.
With --times 1, `count_up` runs once (more is False at once).
"""

from flowscope import FlowSpec, Parameter, step


class SwitchLoopFlow(FlowSpec):
    times = Parameter("times", default=3)
    rounds = Parameter("rounds", default=2)

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
        self.verdict = "done" if self.trained >= self.rounds else "again"
        self.next({"again": self.train, "done": self.end}, condition="verdict")

    @step
    def end(self):
        print("count", self.count, "trained", self.trained)


if __name__ == "__main__":
    SwitchLoopFlow()
