"""Records which process ran each task, and when, to check workers and their limit."""

import os
import time

from flowscope import FlowSpec, step

with open(os.environ["IMPORT_LOG"], "a") as log:  # one line per import of this module
    log.write(f"{os.getpid()}\n")


class ParallelFlow(FlowSpec):
    @step
    def start(self):
        self.runner_pid = os.getppid()
        self.items = list(range(8))
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.pid, self.parent = os.getpid(), os.getppid()
        self.began = time.time()
        time.sleep(0.3)
        self.ended = time.time()
        self.next(self.join)

    @step
    def join(self, inputs):
        self.spans = [(i.began, i.ended) for i in inputs]
        self.pids = [i.pid for i in inputs]
        self.parents = [i.parent for i in inputs]
        self.merge_artifacts(inputs, include=["runner_pid"])
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ParallelFlow()
