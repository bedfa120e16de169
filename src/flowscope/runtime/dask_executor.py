"""The Dask executor: every attempt is a Dask task, run on a worker of a Dask cluster.

    DaskExecutor  the `Executor` over a connected `distributed.Client`
    (dask_cluster.DaskSession connects, probes the datastore, and builds one per run)

`submit` queues the attempt; `poll` sends what is queued as Dask tasks of
`dask_worker.run_bundle`, one attempt each, or several when more wait than the cluster has
slots (runtime/dask_bundles.py), then waits on one queue, fed by the futures' done callbacks
(which fetch the reports, in batches, off the runner's thread) and by the events the attempts
send: a bundle's start (only when one of its attempts has a hard timeout or a resource need),
an attempt's end (its report, as it ends, when others of its bundle follow), its output. An
attempt's output arrives as chunks in the datastore (announced while it runs, listed in its
report at the end); each line reaches `on_output` once, in order, with the time it was
printed.

Faults: a worker lost mid-attempt fails that attempt (KilledWorker, or the attempt refused
when Dask starts it again elsewhere), so `@retry` applies; a scheduler lost raises
`ExecutorLost` from `poll`; a task whose `@resources` no worker offers fails at once, naming
the resource.
"""

from __future__ import annotations

import itertools
import pickle
import queue
import time
import uuid
from collections.abc import Callable, Collection
from typing import Any, Generic, TypeVar

from flowscope.errors import ExecutorLost
from flowscope.logs import LogRecord, decode
from flowscope.runtime.dask_bundles import (
    Batch,
    Bundle,
    Tracked,
    announced,
    in_a_gang,
    in_flight,
    marker,
    sizes,
    unstarted,
)
from flowscope.runtime.dask_watch import ClusterWatch, Requirement
from flowscope.runtime.executor import CANCELLED, TIMEOUT, AttemptKey, Done, OutputSink, Placement

P = TypeVar("P")
R = TypeVar("R")

LATE = 30.0  # seconds past its @timeout before the runner gives up on an attempt's report
LINGER = 0.002  # seconds a poll waits for more ends after the first, to record them together


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
        datastore: str = "",
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
        self._unsent: list[tuple[AttemptKey, Any, float | None]] = []  # submitted, not sent
        self.attempts: dict[AttemptKey, Tracked] = {}
        self.refused: list[Done[R]] = []
        self.cluster = ClusterWatch(client, self.scheduler, patience)
        self._bundles: dict[int, Bundle] = {}  # sent, result not landed
        self._numbers = itertools.count()
        self._closed = False
        self._lost = False
        client.subscribe_topic(self.topic, self._event)
        self.shipped = shipped  # pickled with each attempt: a scattered copy dies with a worker
        source = getattr(shipped, "source", None)
        self.datastore = str(getattr(source, "datastore", "") or datastore)
        self.bundling = store is not None and bool(self.datastore)  # markers need both

    # ---- the protocol ----------------------------------------------------------------
    @property
    def capacity(self) -> int:
        return self._capacity

    def in_flight(self) -> Collection[AttemptKey]:
        return self.attempts.keys()

    def submit(self, key: AttemptKey, payload: P, timeout: float | None = None) -> None:
        """Queue the attempt; the next `poll` sends those queued in one graph update (per
        resource need), alone or in bundles (see `_send`)."""
        if key in self.attempts:
            raise ValueError(f"attempt {key} is already in flight")
        needs = dict(self.requirement(payload))
        now = time.time()
        missing = self.cluster.unplaceable(needs)
        if missing:
            self.refused.append(Done(key, None, missing, Placement("dask", "", None), now))
            return
        self.attempts[key] = Tracked(key, now, needs, in_a_gang(payload))
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
        if self._unsent and not self._lost:  # bundles ended: what waited for them goes now
            self._send()
        return ended

    def cancel(self, key: AttemptKey) -> None:
        attempt = self.attempts.get(key)
        if attempt is None or attempt.cancelled:
            return
        attempt.cancelled = True
        if self._stop(attempt):  # it never started, and now never will
            self.refused.append(self._end(attempt, None, CANCELLED, None))

    def _stop(self, attempt: Tracked) -> bool:
        """Stop one attempt, and only it; True when it had not started (it never will)."""
        bundle = attempt.bundle
        if bundle is None or self._lost:  # unsent: it ends at the next poll
            return False
        if len(bundle.keys) == 1:
            self.client.cancel([bundle.future], force=True)
            return False
        try:  # claimed here first, the worker skips it; else it runs: ask it to stop
            if self._claim(bundle, attempt.key):
                return True
            self.store.put(marker("cancelled", self.topic, bundle.number, attempt.key))
        except Exception:  # the datastore refuses: stop its whole bundle instead
            self.client.cancel([bundle.future], force=True)
        return False

    def shutdown(self, grace: float = 2.0) -> list[Done[R]]:
        if self._closed:
            return []
        self._closed = True
        ended, self.refused = self.refused, []
        futures = [b.future for b in self._bundles.values() if b.future is not None]
        if futures and not self._lost and self.cluster.connected():
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
        """Send what is queued: each attempt alone while the cluster has slots to spare, in
        bundles when more wait (`dask_bundles.in_flight` Dask tasks at most; the rest waits for a
        bundle to end). Gang members always go at once, alone."""
        groups: dict[tuple[tuple[str, float], ...], list[tuple[AttemptKey, Any, Any]]] = {}
        for key, payload, timeout in self._unsent:
            attempt = self.attempts.get(key)
            if attempt is not None and attempt.cancelled:  # cancelled before it was sent
                self.refused.append(self._end(attempt, None, CANCELLED, None))
            elif attempt is not None and attempt.bundle is None:
                groups.setdefault(tuple(sorted(attempt.needs.items())), []).append(
                    (key, payload, timeout)
                )
        self._unsent = []
        for needs, queued in groups.items():
            alone = [q for q in queued if self.attempts[q[0]].alone or not self.bundling]
            rest = [q for q in queued if not (self.attempts[q[0]].alone or not self.bundling)]
            batches = [[q] for q in alone]
            if rest:
                busy = sum(1 for b in self._bundles.values() if b.needs == needs)
                free = in_flight(self.cluster.slots()) - busy - len(alone)
                if free > 0:
                    for size in sizes(len(rest), free):
                        batches.append(rest[:size])
                        rest = rest[size:]
                self._unsent += rest  # sent when a bundle ends
            if batches:
                self._map(needs, batches)

    def _map(
        self, needs: tuple[tuple[str, float], ...], batches: list[list[tuple[AttemptKey, Any, Any]]]
    ) -> None:
        from flowscope.runtime.dask_worker import run_bundle

        numbers = [next(self._numbers) for _ in batches]
        futures = self.client.map(
            run_bundle,
            [self.shipped] * len(batches),
            [Batch(tuple(batch), announce=announced(batch, needs)) for batch in batches],
            [self.topic] * len(batches),
            numbers,
            [self.datastore] * len(batches),
            key=[f"flowscope-bundle-{self.topic}-{n}" for n in numbers],
            pure=False,
            retries=0,
            resources=dict(needs) or None,
        )
        for number, batch, future in zip(numbers, batches, futures, strict=True):
            keys = tuple(key for key, _, _ in batch)
            timeouts, payloads = tuple(t for _, _, t in batch), tuple(p for _, p, _ in batch)
            bundle = Bundle(number, keys, timeouts, needs, payloads, future)
            self._bundles[number] = bundle
            for key in keys:
                self.attempts[key].bundle = bundle
            future.add_done_callback(lambda f, b=bundle: self._landed(b, f))

    def _claim(self, bundle: Bundle, key: AttemptKey) -> bool:
        """Mark the attempt started in its bundle before a worker does: True when it had
        not started (and now never will there)."""
        return bool(self.store.claim(marker("started", self.topic, bundle.number, key)))

    def _send_again(self, bundle: Bundle, missing: list[AttemptKey]) -> list[AttemptKey]:
        """A bundle whose worker died: what never started goes to Dask again (see
        `dask_bundles.unstarted`); the rest is returned, to end as its bundle did."""
        if not self.bundling or len(bundle.keys) == 1 or not bundle.killed():
            return missing
        live = [k for k in missing if not self.attempts[k].cancelled]
        again = unstarted(bundle, live, lambda key: self._claim(bundle, key))
        for key, payload, timeout in again:
            self.attempts[key].bundle, self.attempts[key].deadline = None, None
            self._unsent.append((key, payload, timeout))
        sent = {key for key, _, _ in again}
        return [k for k in missing if k not in sent]

    # ---- events ----------------------------------------------------------------------
    def _landed(self, bundle: Bundle, future: Any) -> None:
        """Dask's callback thread (one for the process): a bundle's task ended. Its reports
        came before, as events (one hop, where fetching its result would be two more)."""
        self.events.put(("done", (bundle, future.status)))

    def _event(self, event: Any) -> None:
        """The client's event thread: a bundle's start, an attempt's end or output chunk."""
        _, message = event
        self.events.put(("log", message))

    def _take(self, kind: str, value: Any, finished: list[tuple[AttemptKey, Any]]) -> None:
        if kind == "done":  # a bundle's task ended: its attempts not reported end now
            bundle, status = value
            self._bundles.pop(bundle.number, None)
            missing = [k for k in bundle.keys if k not in bundle.reported and k in self.attempts]
            if missing and status == "error":
                missing = self._send_again(bundle, missing)
            reports = bundle.result() if missing and status == "finished" else None
            for key in missing:  # (an event lost or late: its result still has the report)
                i = bundle.keys.index(key)
                report = reports[i] if reports is not None and i < len(reports) else None
                finished.append((key, report))
            return
        if "bundle" in value:
            bundle = self._bundles.get(value["bundle"])
            if bundle is not None and not bundle.worker:  # its first start (not a rerun)
                bundle.worker = str(value["started"])
                for key, deadline in bundle.deadlines(time.time(), LATE).items():
                    if key in self.attempts:
                        self.attempts[key].deadline = deadline
            return
        if "reports" in value:  # attempts that ended, in order
            for sent_key, data in value["reports"]:
                attempt = self.attempts.get(tuple(sent_key))
                if attempt is not None and attempt.bundle is not None:
                    attempt.bundle.reported.add(attempt.key)
                    finished.append((attempt.key, pickle.loads(data)))
            return
        key = tuple(value.get("key", ()))
        attempt = self.attempts.get(key)
        if attempt is None:
            return
        early = attempt.early if attempt.early is not None else {}
        early[int(value["seq"])] = (value["stream"], value["chunk"])
        attempt.early = early
        while attempt.emitted in early:
            self._emit(attempt, *early.pop(attempt.emitted))

    def _emit(self, attempt: Tracked, stream: str, chunk: str) -> None:
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

    def _ended(self, attempt: Tracked, report: Any) -> Done[R]:
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
        if attempt.bundle is not None and future.status == "error":
            return self._end(attempt, None, attempt.bundle.failure(), None)
        if future.status in ("cancelled", "lost") and not self.cluster.connected():
            self._lost = True
            raise ExecutorLost(f"the Dask scheduler at {self.scheduler} was lost")
        return self._end(
            attempt, None, f"its Dask task ended as {future.status} without a report", None
        )

    def _end(self, attempt: Tracked, outcome: Any, failure: str | None, report: Any) -> Done[R]:
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
        return Done(attempt.key, outcome, failure, where, started)

    def _overdue(self) -> list[Done[R]]:
        now = time.time()
        ended: list[Done[R]] = []
        for attempt in list(self.attempts.values()):
            if attempt.deadline is not None and now > attempt.deadline:
                self._stop(attempt)
                ended.append(self._end(attempt, None, TIMEOUT, None))
        if self.cluster.due():
            try:
                self.cluster.check()
            except ExecutorLost:
                self._lost = True
                raise
            for attempt in list(self.attempts.values()):
                if attempt.needs and not attempt.worker:
                    missing = self.cluster.unplaceable(attempt.needs)
                    if missing:
                        attempt.cancelled = True
                        if attempt.future is not None:  # its bundle's attempts need the same
                            self.client.cancel([attempt.future], force=True)
                        ended.append(self._end(attempt, None, missing, None))
        return ended
