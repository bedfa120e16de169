"""Warming a process that forks one child per attempt: run flowscope's own task machinery
in it a few times, on a flow of flowscope's own, against a throwaway datastore.

Python 3.11 specializes a function's bytecode in place after a few calls, writing into the
code object. A process that forks for every attempt (the local runner, a Dask task host) never
runs a task itself, so each fork of it ran the task machinery cold: it paid for the
specializing, and the writes into shared code objects cost it a copied page each. Run once
here, the machinery is specialized before the fork and every later fork inherits it
(`workers.ForkExecutor` calls this before its `warm_at`-th fork). No user code runs: the flow
is `_WarmUp`, its store a temporary directory, removed after.

    warm_runtime(rounds)   run `rounds` foreach items (and their split) here
"""

from __future__ import annotations

import tempfile
from typing import Any

from flowscope.datastore import ContentStore, open_storage
from flowscope.flow import FlowGraph, FlowSpec, step
from flowscope.runtime.spec import Frame, Parent, TaskSpec, step_rules
from flowscope.runtime.task import RunWork

ROUNDS = 16  # calls enough for the interpreter to specialize what each item runs


class _WarmUp(FlowSpec):
    @step
    def start(self) -> None:
        self.items = list(range(4))
        self.next(self.body, foreach="items")

    @step
    def body(self) -> None:
        self.doubled = self.input * 2
        self.next(self.join)

    @step
    def join(self, inputs: Any) -> None:
        self.next(self.end)

    @step
    def end(self) -> None:
        pass


def warm_runtime(rounds: int = ROUNDS) -> int:
    """Run the split and `rounds` items of `_WarmUp` in this process; how many succeeded
    (a warm-up that fails is only slower forks: it never raises)."""
    done = 0
    try:
        with tempfile.TemporaryDirectory(prefix="flowscope-warm-up-") as root:
            store = ContentStore(open_storage(root))
            rules = step_rules(FlowGraph.from_class(_WarmUp))
            work = RunWork(_WarmUp, store, "_WarmUp", 0, "warm-up", (), None, {}, rules)
            split = work(TaskSpec(1, "start", (), ()))
            parent = Parent(1, "start", (), {r.name: r for r in split.artifacts})
            for i in range(rounds):
                frame = Frame("start", i % 4, 4, True, "items", repr(i % 4))
                done += work(TaskSpec(2 + i, "body", (frame,), (parent,), "items")).ok
    except Exception:
        pass
    return done


__all__ = ["ROUNDS", "warm_runtime"]
