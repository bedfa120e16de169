"""Switches on a str, an int and a bool artifact (issue 11; run by tests/e2e/test_switches.py).

When run with the defaults (`python switch_values.py run`):
- start sets route = "fast" (from --mode) and takes case "fast": `fast` runs, `slow` does not
  (the client shows no tasks for `slow`).
- fast sets lanes = 2 and the int switch takes case 2: `two` runs; `one` and `three` do not.
- two sets ok = True and the bool switch takes case True: `accept` runs, `reject` does not.
- end sees path == ["fast", "two", "accept"].
With `--mode slow`: slow (lanes = 1) -> one -> ok = False -> reject; path ends in "reject".
With `--mode medium` the start task fails: "found 'medium' (str), which is none of its
cases 'fast', 'slow'".
"""

from flowscope import FlowSpec, Parameter, step


class SwitchValuesFlow(FlowSpec):
    mode = Parameter("mode", default="fast", help="fast or slow")

    @step
    def start(self):
        self.route = self.mode
        self.path = []
        self.next({"fast": self.fast, "slow": self.slow}, condition="route")

    @step
    def fast(self):
        self.path = [*self.path, "fast"]
        self.lanes = 2
        self.next({1: self.one, 2: self.two, 3: self.three}, condition="lanes")

    @step
    def slow(self):
        self.path = [*self.path, "slow"]
        self.lanes = 1
        self.next({1: self.one, 2: self.two, 3: self.three}, condition="lanes")

    @step
    def one(self):
        self.path = [*self.path, "one"]
        self.ok = False
        self.next({True: self.accept, False: self.reject}, condition="ok")

    @step
    def two(self):
        self.path = [*self.path, "two"]
        self.ok = True
        self.next({True: self.accept, False: self.reject}, condition="ok")

    @step
    def three(self):
        self.path = [*self.path, "three"]
        self.ok = True
        self.next({True: self.accept, False: self.reject}, condition="ok")

    @step
    def accept(self):
        self.path = [*self.path, "accept"]
        self.next(self.end)

    @step
    def reject(self):
        self.path = [*self.path, "reject"]
        self.next(self.end)

    @step
    def end(self):
        print("path", self.path)


if __name__ == "__main__":
    SwitchValuesFlow()
