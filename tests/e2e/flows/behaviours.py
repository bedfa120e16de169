"""One flow whose steps misbehave on request, selected by parameters."""

import os
import signal
import sys
import time

from flowscope import (
    FlowSpec,
    IncludeFile,
    JSONType,
    Parameter,
    catch,
    current,
    retry,
    step,
    timeout,
)


class BehaviourFlow(FlowSpec):
    mode = Parameter("mode", default="ok", help="ok|fail|exit|segv|flaky|catch|timeout|sleep")
    ratio = Parameter("ratio", default=0.5, type=float, help="a float")
    count = Parameter("count", default=3, help="an int")
    verbose = Parameter("verbose", default=False, type=bool, help="a bool")
    config = Parameter("config", default='{"k": [1, 2]}', type=JSONType, help="JSON")
    notes = IncludeFile("notes", required=False, help="a text file")
    marker = Parameter("marker", default="", help="a file whose existence makes 'fail' pass")

    @step
    def start(self):
        self.params_seen = (self.mode, self.ratio, self.count, self.verbose, self.config)
        self.notes_seen = self.notes
        self.next(self.work)

    @retry(times=2)
    @step
    def work(self):
        self.attempts_seen = current.retry_count
        if self.mode == "flaky" and current.retry_count < 2:
            raise RuntimeError(f"flaky failure on attempt {current.retry_count}")
        if self.mode in ("fail", "resume") and not (self.marker and os.path.exists(self.marker)):
            raise ValueError("deliberate failure in work")
        if self.mode == "exit":
            sys.exit(3)
        if self.mode == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        self.worked = True
        self.next(self.guarded)

    @catch(var="problem")
    @step
    def guarded(self):
        if self.mode == "catch":
            raise KeyError("caught one")
        self.next(self.slow)

    @timeout(seconds=2)
    @step
    def slow(self):
        if self.mode == "timeout":
            time.sleep(30)
        if self.mode == "sleep":
            print("sleeping", flush=True)
            time.sleep(60)
        self.next(self.end)

    @step
    def end(self):
        self.done = True


if __name__ == "__main__":
    BehaviourFlow()
