"""Behaviours particular to running on a cluster, chosen by --mode: where tasks run, a step
that waits for a gate file (bounded), one that kills its own Dask worker on its first
attempt, and a step importing a module the workers lack."""

import os
import signal
import socket
import time

from flowscope import FlowSpec, Parameter, current, retry, step


class DaskProbeFlow(FlowSpec):
    mode = Parameter("mode", default="where")
    gate = Parameter("gate", default="")
    width = Parameter("width", default=3, type=int)

    @step
    def start(self):
        self.items = list(range(self.width))
        self.next(self.work, foreach="items")

    @retry(times=1)
    @step
    def work(self):
        print(f"item {self.input} on {socket.gethostname()}", flush=True)
        if self.mode == "wait":
            print("waiting for the gate", flush=True)
            deadline = time.time() + 60
            while not os.path.exists(self.gate) and time.time() < deadline:
                time.sleep(0.05)
            print("after the gate")
        if self.mode == "kill-worker" and self.input == 0 and current.retry_count == 0:
            # the Dask worker: the parent of the task host this attempt is a fork of
            with open(f"/proc/{os.getppid()}/stat") as stat:
                worker = int(stat.read().rsplit(")", 1)[1].split()[1])
            os.kill(worker, signal.SIGKILL)
            time.sleep(30)
        if self.mode == "missing-module":
            import only_on_the_client  # noqa: F401
        self.value = self.input * 10
        self.next(self.join)

    @step
    def join(self, inputs):
        self.values = [i.value for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    DaskProbeFlow()
