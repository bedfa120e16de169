"""What runs on a Dask worker: one attempt per Dask task, and the datastore probe.

The Dask scheduler unpickles every task too, so what is submitted are functions of this
module (flowscope is installed wherever Dask runs); the user's code travels as data, the
run's `PortableWork`. `run_attempt` rebuilds the run's work once per worker process, then runs
the attempt in a fork of the worker through the local `ForkExecutor` (its own stdout and
stderr, a hard `@timeout`, and a crash that takes only the attempt down). The attempt's output
goes to the datastore in chunks, each announced to the runner as a Dask event, so the runner
shows it while the attempt runs, as the service path ships live logs as blobs.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from flowscope.logs import LogRecord, encode
from flowscope.runtime.executor import CANCELLED, AttemptKey
from flowscope.runtime.portable import PortableWork, WorkCache
from flowscope.runtime.workers import ForkExecutor

LOG_TOPIC = "flowscope-{run}"  # the Dask event topic of one executor's attempts
FLUSH_EVERY = 0.5  # seconds between two chunks of an attempt's output

_WORKS = WorkCache()  # this worker process's rebuilt runs


@dataclass
class Report:
    """What an attempt sends back: its outcome (or why none), where it ran, its output."""

    outcome: Any
    failure: str | None
    host: str
    pid: int | None
    worker: str
    started: float
    chunks: list[tuple[str, str]] = field(default_factory=list)  # (stream, blob key), in order
    rerun: bool = False  # refused: the attempt had started on a worker that was lost since


class _Shipper:
    """Buffers an attempt's lines; stores them as chunks and announces each chunk."""

    def __init__(self, store: Any, worker: Any, topic: str, key: AttemptKey) -> None:
        self.store, self.worker, self.topic, self.key = store, worker, topic, key
        self.pending: dict[str, list[LogRecord]] = {"stdout": [], "stderr": []}
        self.chunks: list[tuple[str, str]] = []
        self.due = time.time() + FLUSH_EVERY

    def line(self, _key: AttemptKey, stream: str, line: LogRecord) -> None:
        self.pending[stream].append(line)

    def flush_if_due(self) -> None:
        if time.time() >= self.due:
            self.flush(announce=True)

    def flush(self, announce: bool) -> None:
        self.due = time.time() + FLUSH_EVERY
        for stream, lines in self.pending.items():
            if not lines:
                continue
            blob = self.store.put(encode(lines))
            lines.clear()
            self.chunks.append((stream, blob))
            if announce and self.store is not None:
                seq = len(self.chunks) - 1
                self.worker.log_event(
                    self.topic, {"key": self.key, "seq": seq, "chunk": blob, "stream": stream}
                )


class _DirectStore:
    """For a plain callable (no datastore): chunks carry their bytes, not a blob key."""

    def put(self, data: bytes) -> str:
        return "raw:" + data.decode("utf-8", "backslashreplace")


def run_attempt(
    shipped: Any, payload: Any, key: AttemptKey, timeout: float | None, topic: str
) -> Report:
    """Run one attempt of `shipped` (a `PortableWork`, or any picklable callable) here."""
    from distributed import get_worker

    worker = get_worker()
    host, address, started = socket.gethostname(), worker.address, time.time()
    try:
        work = _WORKS.get(shipped) if isinstance(shipped, PortableWork) else shipped
    except BaseException as exc:
        return Report(None, _unloadable(exc, address, host), host, os.getpid(), address, started)
    store = getattr(work, "store", None)
    if store is not None and not _first_start(store, topic, key):
        failure = (
            f"the Dask worker that started it was lost, and Dask started it again on {address}; "
            f"an attempt runs once (@retry decides what comes next)"
        )
        return Report(None, failure, host, None, address, started, rerun=True)
    shipper = _Shipper(store or _DirectStore(), worker, topic, key)
    worker.log_event(topic, {"key": key, "started": address})
    user = getattr(work, "user", None)
    fork: ForkExecutor[Any, Any] = ForkExecutor(
        _AsUser(work, user) if user else work, shipper.line, 1
    )
    task_key = worker.get_current_task()
    ended: list[Any] = []
    try:
        fork.submit(key, payload, timeout)
        while not ended:
            ended = list(fork.poll(0.2))
            shipper.flush_if_due()
            if not ended and _unwanted(worker, task_key):
                fork.cancel(key)
    finally:
        ended += fork.shutdown(grace=1.0)
    shipper.flush(announce=False)
    done = ended[0]
    outcome = done.outcome
    if outcome is not None:
        _name_the_worker(outcome, address, host)
    failure = done.failure
    return Report(outcome, failure, host, done.placement.pid, address, done.started, shipper.chunks)


@dataclass(frozen=True)
class _AsUser:
    """The work, called in the fork as the run's user: what the task reads through the client
    (current.run, current.task) is in that user's namespace, as on the runner's machine."""

    work: Any
    user: str

    def __call__(self, payload: Any) -> Any:
        os.environ["FLOWSCOPE_USER"] = self.user  # the fork's own environment only
        return self.work(payload)


def _first_start(store: Any, topic: str, key: AttemptKey) -> bool:
    """Mark the attempt started, in the datastore; False when it was marked already (Dask
    reruns a task whose worker died, unless its scheduler sets allowed-failures to 0)."""
    marker = f"flowscope attempt started: {topic} {key[0]} {key[1]}".encode()
    return bool(store.put_info([marker]).written)


def _unwanted(worker: Any, task_key: Any) -> bool:
    """The attempt was cancelled, or this worker lost its scheduler: stop the fork."""
    status = str(getattr(worker.status, "name", worker.status))
    if status not in ("running", "paused"):
        return True
    state = worker.state.tasks.get(task_key)
    return state is None or state.state in ("cancelled", "released", "forgotten")


def _unloadable(exc: BaseException, address: str, host: str) -> str:
    if isinstance(exc, ModuleNotFoundError):
        return (
            f"the flow's code imports the module '{exc.name}', which Dask worker {address} "
            f"(host {host}) does not have; install it in the workers' Python environment"
        )
    return (
        f"the flow's code could not be loaded on Dask worker {address} (host {host}): "
        f"{type(exc).__name__}: {exc}"
    )


def _name_the_worker(outcome: Any, address: str, host: str) -> None:
    """A step that failed importing a module: say which worker lacks it."""
    info = getattr(outcome, "exception", None)
    if isinstance(info, dict) and info.get("type") == "ModuleNotFoundError":
        info["message"] = (
            f"{info.get('message', '')} (on Dask worker {address}, host {host}: install the "
            f"module in the workers' Python environment)"
        )


def probe(datastore: str, key: str) -> tuple[str, str, str | None]:
    """On a worker: can it read blob `key` of `datastore`? (worker address, host, problem)."""
    from distributed import get_worker

    address, host = get_worker().address, socket.gethostname()
    try:
        from flowscope.datastore import ContentStore, open_storage

        ContentStore(open_storage(datastore)).get(key)
    except Exception as exc:
        return address, host, f"{type(exc).__name__}: {exc}"
    return address, host, None


def noop(x: Any) -> Any:
    """The engine's own floor per task (the benchmark's raw `client.map`)."""
    return x


__all__ = ["CANCELLED", "Report", "noop", "probe", "run_attempt"]
