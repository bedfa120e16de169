"""What runs on a Dask worker: the attempts of one Dask task (a bundle), and the datastore
probe.

The Dask scheduler unpickles every task too, so what is submitted are functions of this
module (flowscope is installed wherever Dask runs); the user's code travels as data, the
run's `PortableWork`. `run_bundle` claims each attempt (its start marker in the datastore:
an attempt runs once, even when Dask starts the task again after a worker died) and hands it
to a task host of this worker (a warm, single-threaded process, runtime/task_host.py), which
rebuilds the run's work once and runs the attempt in a fork of itself through the local
`ForkExecutor` (its own stdout and stderr, a hard `@timeout`, a crash that takes only the
attempt down, no class state shared). The worker itself never forks: it is big, and it has
threads. The attempt's output goes to the datastore in chunks, each announced to the runner
as a Dask event, so the runner shows it while the attempt runs, as the service path ships
live logs as blobs; its report goes back with the bundle's result, or as an event when the
bundle still has long to run (`_Announcer`).
"""

from __future__ import annotations

import pickle
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flowscope.logs import LogRecord, encode
from flowscope.runtime.dask_bundles import Batch, marker, marker_key
from flowscope.runtime.executor import CANCELLED, TIMEOUT, AttemptKey
from flowscope.runtime.portable import PortableWork
from flowscope.runtime.task_host import Attempt, HostPool

LOG_TOPIC = "flowscope-{run}"  # the Dask event topic of one executor's attempts
FLUSH_EVERY = 0.5  # seconds between two chunks of an attempt's output
HARD_GRACE = 2.0  # isolation "host": seconds past its @timeout before its host is killed
WATCH_EVERY = 0.5  # seconds between two looks for a bundled attempt's cancel marker
ANNOUNCE_AFTER = 0.25  # seconds an ended attempt's report may wait for its bundle's end


class _StoreCache:
    """The datastores this worker process opened, by address (for the output chunks and the
    start markers; the task hosts open their own)."""

    def __init__(self) -> None:
        self._stores: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, address: str) -> Any:
        with self._lock:
            store = self._stores.get(address)
            if store is None:
                from flowscope.datastore import ContentStore, open_storage

                store = self._stores[address] = ContentStore(open_storage(address))
            return store


# this worker process's own (the scheduler calls functions, not objects): the idle task
# hosts, and the datastores opened
_HOSTS = HostPool()
_STORES = _StoreCache()


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


def run_bundle(shipped: Any, batch: Batch, topic: str, number: int, datastore: str) -> list[Report]:
    """Run the attempts of `batch` here, one after another, each in a fork of one of this
    worker's task hosts (`shipped`: a `PortableWork`, or any picklable callable, whose
    markers and output chunks then go to `datastore`, or travel in the reports without one).
    The reports go to the runner as events: those of a bundle together at its end, or sooner
    for one that waited ANNOUNCE_AFTER seconds (its bundle still runs), so that the runner
    learns of an end within about that long. The result is every report again, in order
    (fewer when the whole task was cancelled), for an event that went missing."""
    from distributed import get_worker

    worker = get_worker()
    where = (worker.address, socket.gethostname())
    portable = isinstance(shipped, PortableWork)
    address = shipped.source.datastore if portable else datastore
    store = _STORES.get(address) if address else None
    if batch.announce:
        worker.log_event(topic, {"bundle": number, "started": where[0]})
    task_key = worker.get_current_task()
    reports: list[Report] = []
    announcer = _Announcer(worker, topic)
    alone = len(batch.attempts) == 1
    try:
        for i, (key, payload, timeout) in enumerate(batch.attempts):
            if i and _unwanted(worker, task_key):
                break  # the whole task was cancelled: the rest never start
            announcer.tick()
            watch = None if store is None or alone else _cancel_watch(store, topic, number, key)
            sent = (key, payload, timeout)
            report = _run_one(
                shipped, store, worker, where, (topic, number), sent, watch, announcer.tick
            )
            reports.append(report)
            announcer.ended(key, report)
    finally:  # those that ended are told, even when the task fails on a later one
        announcer.send()
    return reports


class _Announcer:
    """The reports of a bundle's attempts that ended, until they go as one event: at the
    bundle's end, or once the first has waited ANNOUNCE_AFTER seconds."""

    def __init__(self, worker: Any, topic: str) -> None:
        self.worker, self.topic = worker, topic
        self.pending: list[tuple[float, AttemptKey, Report]] = []

    def ended(self, key: AttemptKey, report: Report) -> None:
        self.pending.append((time.monotonic(), key, report))

    def tick(self) -> None:
        if self.pending and time.monotonic() - self.pending[0][0] >= ANNOUNCE_AFTER:
            self.send()

    def send(self) -> None:
        """Every pending report, in one event."""
        if self.pending:
            reports = [
                (list(key), pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL))
                for _, key, report in self.pending
            ]
            self.worker.log_event(self.topic, {"reports": reports})
            self.pending.clear()


def _run_one(
    shipped: Any,
    store: Any,
    worker: Any,
    where: tuple[str, str],
    scope: tuple[str, int],
    sent: tuple[AttemptKey, Any, float | None],
    stop_asked: Callable[[], bool] | None = None,
    tick: Callable[[], None] | None = None,
) -> Report:
    """One attempt of a bundle: claimed (its start marker), then run on a task host."""
    (key, payload, timeout), (address, host), (topic, number) = sent, where, scope
    started = time.time()
    portable = isinstance(shipped, PortableWork)
    if store is not None and not _first_start(store, topic, number, key):
        refused = (
            f"the Dask worker that started it was lost, and Dask started it again on {address}; "
            f"an attempt runs once (@retry decides what comes next)"
        )
        return Report(None, refused, host, None, address, started, rerun=True)
    shipper = _Shipper(store or _DirectStore(), worker, topic, key)
    attempt = Attempt(
        key,
        shipped.cache_key if portable else "",
        shipped,
        payload,
        timeout,
        shipped.task_environment() if portable else {},
        shipped.source.isolation if portable else "fork",
    )
    outcome, failure, pid, began = _on_a_host(attempt, shipper, worker, where, stop_asked, tick)
    shipper.flush(announce=False)
    if outcome is not None:
        _name_the_worker(outcome, address, host)
    return Report(outcome, failure, host, pid, address, began or started, shipper.chunks)


def _cancel_watch(store: Any, topic: str, number: int, key: AttemptKey) -> Callable[[], bool]:
    """Whether the client asked to stop this attempt of a bundle (its cancel marker is in the
    datastore); looked for at most every WATCH_EVERY seconds."""
    wanted = marker_key(marker("cancelled", topic, number, key))
    due = [time.monotonic() + WATCH_EVERY]

    def asked() -> bool:
        if time.monotonic() < due[0]:
            return False
        due[0] = time.monotonic() + WATCH_EVERY
        try:
            return bool(store.exists(wanted))
        except Exception:  # the datastore is unreachable for a moment: look again later
            return False

    return asked


def _on_a_host(
    attempt: Attempt,
    shipper: _Shipper,
    worker: Any,
    where: tuple[str, str],
    stop_asked: Callable[[], bool] | None = None,
    tick: Callable[[], None] | None = None,
) -> tuple[Any, str | None, int | None, float | None]:
    """Run `attempt` on an idle task host of this worker: (outcome, failure, pid, started).
    A host that ends mid-attempt fails only the attempt; the next one starts a new host."""
    try:
        host = _HOSTS.take()
    except OSError as exc:
        return None, f"the Dask worker could not start a task host ({exc})", None, None
    cancelled_at: float | None = None
    task_key = worker.get_current_task()
    in_host = attempt.isolation == "host"  # no fork to kill: the host is what ends
    overdue = time.time() + attempt.timeout + HARD_GRACE if attempt.timeout else None

    def unwanted() -> bool:
        return _unwanted(worker, task_key) or (stop_asked is not None and stop_asked())

    try:
        host.run(attempt)
        while True:
            message = host.recv(0.2)
            if message is None and in_host and overdue is not None and time.time() > overdue:
                _HOSTS.drop(host)
                return None, TIMEOUT, None, None
            if message is None and in_host and unwanted():
                _HOSTS.drop(host)
                return None, CANCELLED, None, None
            if message is None:
                if cancelled_at is None and unwanted():
                    host.cancel(attempt.key)
                    cancelled_at = time.time()
                elif cancelled_at is not None and time.time() - cancelled_at > 5:
                    _HOSTS.drop(host)  # it does not answer: end it, and its attempt with it
                    return None, CANCELLED, None, None
            elif message[0] == "lines":
                for stream, line in message[1]:
                    shipper.line(attempt.key, stream, line)
            elif message[0] == "unloadable":
                _HOSTS.give(host)
                return None, _unloadable(message[1], message[2], *where), None, None
            else:
                _, outcome, failure, pid, began = message
                _HOSTS.give(host)
                return outcome, failure, pid, began
            shipper.flush_if_due()
            if tick is not None:
                tick()
    except (EOFError, OSError):
        why = host.why_gone()
        _HOSTS.drop(host)
        return None, f"the worker's task host running it ended ({why})", None, None
    except BaseException:
        _HOSTS.drop(host)
        raise


def _first_start(store: Any, topic: str, number: int, key: AttemptKey) -> bool:
    """Mark the attempt started, in the datastore; False when it was marked already (Dask
    reruns a task whose worker died, unless its scheduler sets allowed-failures to 0)."""
    return bool(store.claim(marker("started", topic, number, key)))


def _unwanted(worker: Any, task_key: Any) -> bool:
    """The attempt was cancelled, or this worker lost its scheduler: stop it."""
    status = str(getattr(worker.status, "name", worker.status))
    if status not in ("running", "paused"):
        return True
    state = worker.state.tasks.get(task_key)
    return state is None or state.state in ("cancelled", "released", "forgotten")


def _unloadable(module: str | None, why: str, address: str, host: str) -> str:
    """The flow's code could not be loaded (`module`: the one missing, if that is why)."""
    if module:
        return (
            f"the flow's code imports the module '{module}', which Dask worker {address} "
            f"(host {host}) does not have; install it in the workers' Python environment"
        )
    return f"the flow's code could not be loaded on Dask worker {address} (host {host}): {why}"


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


__all__ = ["CANCELLED", "Report", "noop", "probe", "run_bundle"]
