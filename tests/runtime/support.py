"""What the runtime tests share: small flows, an in-memory executor double, and a run helper
that drives the real RunDriver in process over a local store."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, Generic, TypeVar

from flowscope import FlowSpec, catch, retry, step
from flowscope.config import Settings
from flowscope.flow import FlowGraph
from flowscope.logs import LogRecord
from flowscope.runtime.console import Console
from flowscope.runtime.executor import CANCELLED, AttemptKey, Done, OutputSink, Placement

P = TypeVar("P")
R = TypeVar("R")


class InlineExecutor(Generic[P, R]):
    """An Executor that runs each attempt in this process when polled: the second
    implementation of the protocol, to show that the runner needs nothing else."""

    def __init__(self, work: Callable[[P], R], on_output: OutputSink, capacity: int) -> None:
        self.work = work
        self.on_output = on_output
        self._capacity = capacity
        self._queued: dict[AttemptKey, P] = {}
        self._cancelled: set[AttemptKey] = set()
        self.submitted: list[AttemptKey] = []

    @property
    def capacity(self) -> int:
        return self._capacity

    def in_flight(self) -> Collection[AttemptKey]:
        return self._queued.keys()

    def submit(self, key: AttemptKey, payload: P, timeout: float | None = None) -> None:
        self._queued[key] = payload
        self.submitted.append(key)

    def poll(self, timeout: float) -> list[Done[R]]:
        where = Placement("inline", "here", os.getpid(), "inline-worker")
        ended: list[Done[R]] = []
        for key in list(self._queued):
            payload = self._queued.pop(key)
            if key in self._cancelled:
                ended.append(Done(key, None, CANCELLED, where, 0.0))
                continue
            outcome = self.work(payload)
            self.on_output(key, "stdout", LogRecord(1.0, f"ran {key}"))
            ended.append(Done(key, outcome, None, where, 0.0))
        return ended

    def cancel(self, key: AttemptKey) -> None:
        if key in self._queued:
            self._cancelled.add(key)

    def shutdown(self, grace: float = 2.0) -> list[Done[R]]:
        for key in self._queued:
            self._cancelled.add(key)
        return self.poll(0)


class NestedFlow(FlowSpec):
    @step
    def start(self):
        self.xs = ["a", "b"]
        self.next(self.outer, foreach="xs")

    @step
    def outer(self):
        self.ys = [10, 20, 30]
        self.next(self.inner, foreach="ys")

    @step
    def inner(self):
        self.first = self.foreach_stack()
        self.next(self.later)

    @step
    def later(self):
        self.second = self.foreach_stack()
        self.next(self.inner_join)

    @step
    def inner_join(self, inputs):
        self.seen = [(i.first, i.second) for i in inputs]
        self.at_join = self.foreach_stack()
        self.next(self.outer_join)

    @step
    def outer_join(self, inputs):
        self.seen = [s for i in inputs for s in i.seen]
        self.joins = [i.at_join for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        pass


class FlakyFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.flaky)

    @retry(times=1)
    @step
    def flaky(self):
        from flowscope import current

        if current.retry_count == 0:
            raise ValueError("first attempt fails")
        self.next(self.risky)

    @catch(var="problem")
    @step
    def risky(self):
        raise RuntimeError("always")
        self.next(self.end)

    @step
    def end(self):
        pass


def datastore(root: Path) -> Any:
    """The content store of the local store in `root` (its `blobs/` directory)."""
    from flowscope.datastore import ContentStore, LocalStorage

    return ContentStore(LocalStorage(root / "blobs"))


def run_flow(
    flow_cls: type,
    root: Path,
    *,
    executor: Any = None,
    max_workers: int = 4,
    resume: Any = None,
    parameters: dict[str, Any] | None = None,
) -> tuple[Any, Any, str]:
    """Run `flow_cls` with the real RunDriver over a local store in `root`; (result, provider,
    console output)."""
    from flowscope.metastore.local import open_local
    from flowscope.runtime.runner import RunDriver

    provider = open_local(root, create=True)
    out = io.StringIO()
    extra = {} if executor is None else {"executor": executor}
    runner = RunDriver(
        flow_cls,
        FlowGraph.from_class(flow_cls),
        provider,
        Settings.from_env({"FLOWSCOPE_USER": "tester", "FLOWSCOPE_HEARTBEAT_INTERVAL": "0.2"}),
        datastore=datastore(root),
        parameters=parameters or {},
        max_workers=max_workers,
        console=Console(out),
        resume=resume,
        **extra,
    )
    return runner.run(), provider, out.getvalue()
