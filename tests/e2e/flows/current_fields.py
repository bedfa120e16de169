"""Reads every field of `current` in a running task, and the client objects it opens."""

import os

from flowscope import FlowSpec, Parameter, current, step

FIELDS = (
    "flow_name",
    "run_id",
    "step_name",
    "task_id",
    "retry_count",
    "origin_run_id",
    "pathspec",
    "namespace",
    "username",
    "is_running_flow",
    "is_parallel",
)


class CurrentFlow(FlowSpec):
    alpha = Parameter("alpha", default=2, help="a number")

    @step
    def start(self):
        self.facts = {name: getattr(current, name) for name in FIELDS}
        self.tags_seen = sorted(current.tags)
        self.parameter_names_seen = list(current.parameter_names)
        self.graph_steps = [(s["name"], s["type"]) for s in current.graph["steps"]]
        self.scratch = current.tempdir
        with open(os.path.join(self.scratch, "scratch.txt"), "w") as f:
            f.write("scratch")
        self.task_seen = (current.task.pathspec, current.task.finished)
        self.run_seen = (current.run.pathspec, current.run.finished, sorted(current.run.tags))
        self.next(self.end)

    @step
    def end(self):
        self.scratch_removed = not os.path.exists(self.scratch)
        self.end_facts = {name: getattr(current, name) for name in FIELDS}
        self.parallel_seen = current.parallel


if __name__ == "__main__":
    CurrentFlow()
