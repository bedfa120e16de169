"""The seam between the runner and wherever task attempts execute.

The runner drives a run through an `Executor` and knows nothing else about processes,
machines or clusters. An executor is built per run by an `ExecutorFactory` from three things:

- `work`, the function to call with each payload (for the runner: `task.RunWork`, which maps
  a `TaskSpec` to a `TaskOutcome`). Payloads and the work are plain picklable values, so a
  remote executor ships the work once per run and one payload per attempt;
- `on_output`, where each line a task prints goes as it arrives (the runner timestamps and
  keeps them, shows them, and makes them readable while the task runs);
- `capacity`, the most attempts in flight at once (`--max-workers`).

Then the loop is: `submit` while `len(in_flight()) < capacity`; `poll` (which waits at most
its timeout and never blocks the loop longer) for the attempts that ended, each a `Done`
with its outcome, or the reason there is none, and where it ran; `cancel` one attempt;
`shutdown` ends everything still in flight and releases the executor's resources.

The first implementation is `workers.ForkExecutor` (a fork of the warm runner per attempt).
A cluster executor (Dask, Ray) maps the same calls onto its engine: `submit` to a future
(resources from the task's step), `poll` to the futures that completed (a lost worker is a
`Done` with a failure, so `@retry` applies), `cancel` to future cancellation, `shutdown`
to cancelling what is in flight and closing the client, `Placement` to the worker address.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Generic, Protocol, TypeVar

from flowscope.frozen import Frozen, init
from flowscope.logs import LogRecord

AttemptKey = tuple[int, int]  # (task id, attempt)
OutputSink = Callable[[AttemptKey, str, LogRecord], None]  # (attempt, "stdout"|"stderr", line)

TIMEOUT = "timeout"  # the failure of an attempt stopped for exceeding its timeout
CANCELLED = "cancelled"  # the failure of an attempt ended by cancel() or shutdown()

P = TypeVar("P", contravariant=True)  # what is submitted
R = TypeVar("R")  # what an attempt returns
P2 = TypeVar("P2")
R2 = TypeVar("R2")


class Placement(Frozen):
    """Where an attempt ran: the executor's name, the host, the process, the engine's worker
    (a Dask worker's address; empty for the local executor)."""

    __slots__ = ("runtime", "host", "pid", "worker")
    runtime: str
    host: str
    pid: int | None
    worker: str

    def __init__(self, runtime: str, host: str, pid: int | None, worker: str = "") -> None:
        init(self, "runtime", runtime)
        init(self, "host", host)
        init(self, "pid", pid)
        init(self, "worker", worker)


class Done(Generic[R], Frozen):
    """An attempt that ended: what it returned, or why nothing (`TIMEOUT`, `CANCELLED`, or a
    sentence about the crash)."""

    __slots__ = ("key", "outcome", "failure", "placement", "started")
    key: AttemptKey
    outcome: R | None
    failure: str | None
    placement: Placement
    started: float  # when it started, in time.time() seconds

    def __init__(
        self,
        key: AttemptKey,
        outcome: R | None,
        failure: str | None,
        placement: Placement,
        started: float,
    ) -> None:
        init(self, "key", key)
        init(self, "outcome", outcome)
        init(self, "failure", failure)
        init(self, "placement", placement)
        init(self, "started", started)


class Executor(Protocol[P, R]):
    """Runs attempts of tasks; see the module docstring."""

    @property
    def capacity(self) -> int:
        """The most attempts in flight at once."""
        ...

    def in_flight(self) -> Collection[AttemptKey]:
        """The attempts submitted and not yet reported by poll() or shutdown()."""
        ...

    def submit(self, key: AttemptKey, payload: P, timeout: float | None = None) -> None:
        """Start an attempt; it is stopped (failure `TIMEOUT`) after `timeout` seconds."""
        ...

    def poll(self, timeout: float) -> Sequence[Done[R]]:
        """Wait at most `timeout` seconds; return the attempts that ended (maybe none)."""
        ...

    def cancel(self, key: AttemptKey) -> None:
        """Stop an attempt in flight; a later poll() reports it (failure `CANCELLED`)."""
        ...

    def shutdown(self, grace: float = 2.0) -> Sequence[Done[R]]:
        """End every attempt still in flight (within `grace` seconds, then by force), release
        everything, and return the attempts it ended. Safe to call more than once."""
        ...


class ExecutorFactory(Protocol):
    """Builds the executor of one run (an executor class itself, or a partial of one)."""

    def __call__(
        self, work: Callable[[P2], R2], on_output: OutputSink, capacity: int
    ) -> Executor[P2, R2]: ...
