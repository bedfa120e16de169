"""The Dask executor: every attempt is a Dask task, run on a worker of a Dask cluster.

    DaskExecutor  the `Executor` over a connected `distributed.Client`
    (dask_cluster.DaskSession connects, probes the datastore, and builds one per run)

`submit` sends `dask_worker.run_attempt` with the run's work, the payload and the attempt's
key; `poll` waits on one queue, fed by the futures' done callbacks (which fetch the reports,
in batches, off the runner's thread) and by the attempts' output events. An attempt's
output arrives as chunks in the datastore (announced while it runs, listed in its report
at the end); each line reaches `on_output` once, in order, with the time it was printed.

Faults: a worker lost mid-attempt fails that attempt (KilledWorker, or the attempt started
again elsewhere), so `@retry` applies; a scheduler lost raises `ExecutorLost` from `poll`; a
task whose `@resources` no worker offers fails at once, naming the resource.
"""

from __future__ import annotations

import queue
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flowscope.errors import ExecutorLost
from flowscope.logs import LogRecord, decode
from flowscope.runtime.executor import CANCELLED, TIMEOUT, AttemptKey, Done, OutputSink, Placement

P = TypeVar("P")
R = TypeVar("R")

Requirement = Mapping[str, float]  # Dask resource name -> amount
LATE = 30.0  # seconds past its @timeout before the runner gives up on an attempt's report
RECHECK = 2.0  # seconds between two looks at the cluster's workers
LINGER = 0.01  # seconds a poll waits for more ends after the first, to record them together


@dataclass
class _Attempt:
    key: AttemptKey
    future: Any
    submitted: float
    deadline: float | None
    needs: Requirement
    cancelled: bool = False
    lost: bool = False  # its worker died and Dask started it again elsewhere
    worker: str = ""  # where it started (from its start event)
    emitted: int = 0  # chunks passed on so far
    early: dict[int, tuple[str, str]] | None = None  # chunks announced out of order


class DaskExecutor(Generic[P, R]):
    """Runs attempts as Dask tasks; see the module docstring."""

    def __init__(
        self,
        client: Any,
        shipped: Any,
        on_output: OutputSink,
        capacity: int,
        *,
        store: Any = None,
        requirement: Callable[[P], Requirement] = lambda _payload: {},
        scheduler: str = "",
        patience: float = 20.0,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.client = client
        self.on_output = on_output
        self._capacity = capacity
        self.store = store
        self.requirement = requirement
        self.scheduler = scheduler or str(
            getattr(client, "scheduler", "") and client.scheduler.address
        )
        self.topic = f"flowscope-{uuid.uuid4().hex[:12]}"
        self.events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._landing: deque[tuple[AttemptKey, Any]] = deque()  # ended, report not fetched
        self._unsent: list[tuple[AttemptKey, Any, float | None]] = []  # submitted, not sent
        self.attempts: dict[AttemptKey, _Attempt] = {}
        self.refused: list[Done[R]] = []
        self._workers: dict[str, Mapping[str, float]] = {}
        self._workers_at = 0.0
        self.patience = patience  # seconds with no worker at all before the run fails
        self._no_workers_since: float | None = None
        self._closed = False
        self._lost = False
        client.subscribe_topic(self.topic, self._event)
        self.shipped = shipped  # pickled with each attempt: a scattered copy dies with a worker

    # ---- the protocol ----------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return self._capacity

    def in_flight(self) -> Collection[AttemptKey]:
        return self.attempts.keys()

    def submit(self, key: AttemptKey, payload: P, timeout: float | None = None) -> None:
        """Queue the attempt; the next `poll` sends those queued in one graph update (per
        resource need), which costs the client and the scheduler much less than one each."""
        if key in self.attempts:
            raise ValueError(f"attempt {key} is already in flight")
        needs = dict(self.requirement(payload))
        now = time.time()
        missing = self._unplaceable(needs)
        if missing:
            self.refused.append(Done(key, None, missing, Placement("dask", "", None), now))
            return
        deadline = now + timeout + LATE if timeout else None
        self.attempts[key] = _Attempt(key, None, now, deadline, needs)
        self._unsent.append((key, payload, timeout))

    def poll(self, timeout: float) -> list[Done[R]]:
        if self._unsent and not self._lost:
            self._send()
        ended, self.refused = self.refused, []
        if self._lost:
            raise ExecutorLost(f"the Dask scheduler at {self.scheduler} was lost")
        if not self.attempts:
            if not ended:
                time.sleep(min(timeout, 0.05))
            return ended
        finished: list[tuple[AttemptKey, Any]] = []  # (key, its report or None)
        try:
            kind, value = self.events.get(timeout=0 if ended else timeout)
            self._take(kind, value, finished)
            until = time.monotonic() + LINGER  # what ends together is recorded together
            while True:
                left = until - time.monotonic()
                if left > 0 and len(finished) < len(self.attempts):
                    kind, value = self.events.get(timeout=left)
                else:
                    kind, value = self.events.get_nowait()
                self._take(kind, value, finished)
        except queue.Empty:
            pass
        ended += self._reports(finished)
        ended += self._overdue()
        return ended

    def cancel(self, key: AttemptKey) -> None:
        attempt = self.attempts.get(key)
        if attempt is None or attempt.cancelled:
            return
        attempt.cancelled = True
        if attempt.future is not None and not self._lost:  # unsent, it ends at the next poll
            self.client.cancel([attempt.future], force=True)

    def shutdown(self, grace: float = 2.0) -> list[Done[R]]:
        if self._closed:
            return []
        self._closed = True
        ended, self.refused = self.refused, []
        futures = [a.future for a in self.attempts.values() if a.future is not None]
        if futures and not self._lost and self._connected():
            try:
                self.client.cancel(futures, force=True)
            except Exception:  # the scheduler is going away too: nothing more to cancel
                pass
        for attempt in list(self.attempts.values()):
            ended.append(self._end(attempt, None, CANCELLED, None))
        try:
            self.client.unsubscribe_topic(self.topic)
        except Exception:
            pass
        return ended

    def _send(self) -> None:
        from flowscope.runtime.dask_worker import run_attempt

        groups: dict[tuple[tuple[str, float], ...], list[tuple[AttemptKey, Any, Any]]] = {}
        for key, payload, timeout in self._unsent:
            attempt = self.attempts.get(key)
            if attempt is not None and attempt.cancelled:  # cancelled before it was sent
                self.refused.append(self._end(attempt, None, CANCELLED, None))
            elif attempt is not None and attempt.future is None:
                groups.setdefault(tuple(sorted(attempt.needs.items())), []).append(
                    (key, payload, timeout)
                )
        self._unsent = []
        for needs, batch in groups.items():
            keys = [key for key, _, _ in batch]
            futures = self.client.map(
                run_attempt,
                [self.shipped] * len(batch),
                [payload for _, payload, _ in batch],
                keys,
                [timeout for _, _, timeout in batch],
                [self.topic] * len(batch),
                key=[f"flowscope-attempt-{self.topic}-{k[0]}-{k[1]}" for k in keys],
                pure=False,
                retries=0,
                resources=dict(needs) or None,
            )
            for key, future in zip(keys, futures, strict=True):
                self.attempts[key].future = future
                future.add_done_callback(lambda f, key=key: self._landed(key, f))

    # ---- events ----------------------------------------------------------------------
    def _landed(self, key: AttemptKey, future: Any) -> None:
        """Dask's callback thread (one for the process): an attempt's task ended. Its report
        is fetched here, with those of the others that ended meanwhile in one gather, so that
        the runner never waits on a round trip to a worker."""
        if future.status != "finished":
            self.events.put(("done", (key, None)))
            return
        self._landing.append((key, future))
        batch = []
        while self._landing:
            batch.append(self._landing.popleft())
        if not batch:
            return
        try:
            reports = list(self.client.gather([f for _, f in batch]))
        except Exception:  # one of them failed (or the client closes): one by one
            reports = [_result(f) for _, f in batch]
        for (landed, _), report in zip(batch, reports, strict=True):
            self.events.put(("done", (landed, report)))

    def _event(self, event: Any) -> None:
        """The client's event thread: an attempt's start or output chunk."""
        _, message = event
        self.events.put(("log", message))

    def _take(self, kind: str, value: Any, finished: list[tuple[AttemptKey, Any]]) -> None:
        if kind == "done":
            finished.append(value)
            return
        key = tuple(value.get("key", ()))
        attempt = self.attempts.get(key)
        if attempt is None:
            return
        if "started" in value:
            if attempt.worker and attempt.worker != value["started"]:  # its first worker died
                attempt.cancelled = True
                attempt.lost = True
                self.client.cancel([attempt.future], force=True)
            attempt.worker = attempt.worker or value["started"]
            return
        early = attempt.early if attempt.early is not None else {}
        early[int(value["seq"])] = (value["stream"], value["chunk"])
        attempt.early = early
        while attempt.emitted in early:
            self._emit(attempt, *early.pop(attempt.emitted))

    def _emit(self, attempt: _Attempt, stream: str, chunk: str) -> None:
        attempt.emitted += 1
        try:
            if chunk.startswith("raw:"):
                data = chunk[4:].encode()
            else:
                data = bytes(self.store.get(chunk))
        except Exception as exc:
            line = LogRecord(time.time(), f"[flowscope: output lost ({exc})]")
            self.on_output(attempt.key, "stderr", line)
            return
        for line in decode(data):
            self.on_output(attempt.key, stream, line)

    # ---- ends ------------------------------------------------------------------------
    def _reports(self, landed: list[tuple[AttemptKey, Any]]) -> list[Done[R]]:
        ended: list[Done[R]] = []
        for key, report in landed:
            attempt = self.attempts.get(key)
            if attempt is not None:
                ended.append(self._ended(attempt, report))
        return ended

    def _ended(self, attempt: _Attempt, report: Any) -> Done[R]:
        future = attempt.future
        if report is not None:
            for stream, chunk in report.chunks[attempt.emitted :]:
                self._emit(attempt, stream, chunk)
            failure = report.failure
            if attempt.cancelled and report.outcome is None:
                failure = CANCELLED
            return self._end(attempt, report.outcome, failure, report)
        if attempt.cancelled:
            return self._end(attempt, None, CANCELLED, None)
        if future.status == "error":
            return self._end(attempt, None, self._describe(future), None)
        if future.status in ("cancelled", "lost") and not self._connected():
            self._lost = True
            raise ExecutorLost(f"the Dask scheduler at {self.scheduler} was lost")
        return self._end(
            attempt, None, f"its Dask task ended as {future.status} without a report", None
        )

    def _describe(self, future: Any) -> str:
        try:
            exc = future.exception(timeout=5)
        except Exception as err:
            return f"its Dask task failed and the reason could not be read ({err})"
        if type(exc).__name__ == "KilledWorker":
            where = f" ({self.attempts_worker(future)})" if self.attempts_worker(future) else ""
            return f"the Dask worker running it died{where}"
        return f"its Dask task failed: {type(exc).__name__}: {exc}"

    def attempts_worker(self, future: Any) -> str:
        for attempt in self.attempts.values():
            if attempt.future is future:
                return attempt.worker
        return ""

    def _end(self, attempt: _Attempt, outcome: Any, failure: str | None, report: Any) -> Done[R]:
        self.attempts.pop(attempt.key, None)
        if report is not None and not report.rerun:
            where = Placement("dask", report.host, report.pid, report.worker)
            started = report.started
        elif report is not None:  # it ran on the worker that started it first, and was lost
            where = Placement("dask", report.host, None, attempt.worker)
            started = attempt.submitted
        else:
            where = Placement("dask", "", None, attempt.worker)
            started = attempt.submitted
        if attempt.lost:
            failure = f"the Dask worker {attempt.worker} running it was lost"
        return Done(attempt.key, outcome, failure, where, started)

    def _overdue(self) -> list[Done[R]]:
        now = time.time()
        ended: list[Done[R]] = []
        for attempt in list(self.attempts.values()):
            if attempt.deadline is not None and now > attempt.deadline:
                if not self._lost:
                    self.client.cancel([attempt.future], force=True)
                ended.append(self._end(attempt, None, TIMEOUT, None))
        if now - self._workers_at > RECHECK:
            if not self._connected():
                self._lost = True
                raise ExecutorLost(f"the Dask scheduler at {self.scheduler} was lost")
            if not self._cluster_resources():
                self._no_workers_since = self._no_workers_since or now
                if now - self._no_workers_since > self.patience:
                    self._lost = True
                    raise ExecutorLost(
                        f"the Dask cluster at {self.scheduler} has had no workers for "
                        f"{self.patience:g} s"
                    )
            else:
                self._no_workers_since = None
            for attempt in list(self.attempts.values()):
                if attempt.needs and not attempt.worker:
                    missing = self._unplaceable(attempt.needs)
                    if missing:
                        attempt.cancelled = True
                        self.client.cancel([attempt.future], force=True)
                        ended.append(self._end(attempt, None, missing, None))
        return ended

    # ---- the cluster -----------------------------------------------------------------
    def _connected(self) -> bool:
        return str(getattr(self.client, "status", "")) == "running"

    def _unplaceable(self, needs: Requirement) -> str | None:
        """Why no worker can take a task that needs `needs` (None when one can)."""
        if not needs:
            return None
        workers = self._cluster_resources()
        for offered in workers.values():
            if all(offered.get(name, 0) >= amount for name, amount in needs.items()):
                return None
        asked = ", ".join(f"{n}={a:g}" for n, a in sorted(needs.items()))
        short = [
            n for n, a in sorted(needs.items()) if all(w.get(n, 0) < a for w in workers.values())
        ]
        named = ", ".join(short) or asked
        return (
            f"no Dask worker of the cluster offers the resources {asked} (lacking: {named}); "
            f'start workers with `dask worker ... --resources "{asked.replace(", ", ",")}"`, '
            f"or lower the step's @resources"
        )

    def _cluster_resources(self) -> dict[str, Mapping[str, float]]:
        now = time.time()
        if now - self._workers_at > RECHECK or not self._workers:
            info = self.client.scheduler_info(n_workers=-1)
            self._workers = {
                addr: dict(w.get("resources") or {}) for addr, w in info.get("workers", {}).items()
            }
            self._workers_at = now
        return self._workers


def _result(future: Any) -> Any:
    """A finished future's report, or None when it cannot be had."""
    try:
        return future.result(timeout=10)
    except Exception:
        return None
