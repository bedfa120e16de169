"""@parallel steps: a gang of N tasks of one step, started by `num_parallel=N`. Pure.

    @step
    def start(self):
        self.next(self.train, num_parallel=4)

    @parallel
    @step
    def train(self):
        print(current.parallel.node_index, current.parallel.num_nodes)
        self.next(self.join)

    @step
    def join(self, inputs): ...

As in the family, the step that calls `self.next(self.train, num_parallel=N)` is a foreach
over N nodes (typed 'foreach', with `parallel_foreach`): it pushes one frame, so the join
after the @parallel step closes it and takes the N tasks as inputs, node order. N is a value
of the run (any expression giving an int >= 1), not of the source.

Semantics on the local runtime (runtime/runner.py): the N tasks are a *gang*. They start
together (the gang waits until N workers are free, or until nothing else runs when N exceeds
--max-workers); `current.parallel` gives each its place: `main_ip` (127.0.0.1 locally),
`num_nodes` (N), `node_index` (0..N-1) and `control_task_id`. Node 0 is the *control task*,
the family's name for the node that coordinates the others. When one task fails, the others
are stopped and the gang has failed: `@retry` runs the whole gang again, and a failed last
attempt fails the run (`@catch` turns each failed task into a caught one instead, and the
join goes on). `self.input` and `self.index` in a @parallel step are the node index.

The rules (flow/lint_parallel.py): num_parallel= names exactly one step, that step is
decorated with @parallel, a @parallel step is reached only through num_parallel=, and the
step after it is the join that closes it.
"""

from __future__ import annotations

from typing import Final

from flowscope.errors import FlowDefinitionError

PARALLEL_VAR: Final = "_fs_parallel"
"""The `foreach_param` of a step that calls num_parallel= (no artifact has this name)."""

MAIN_IP: Final = "127.0.0.1"
"""`current.parallel.main_ip` on the local runtime: every node runs on this machine."""


def check_num_parallel(step: str, targets: tuple[str, ...], value: object) -> int:
    """The number of nodes a running step asked for, or FlowDefinitionError."""
    if len(targets) != 1:
        raise FlowDefinitionError(
            f"step '{step}': num_parallel= needs exactly one target step (a @parallel step), "
            f"got {len(targets)}."
        )
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FlowDefinitionError(
            f"step '{step}': num_parallel={value!r} is not valid; give the number of tasks "
            f"of the gang, an int >= 1, as in self.next(self.{targets[0]}, num_parallel=4)."
        )
    return value
