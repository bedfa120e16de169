"""Bundles: several attempts sent to Dask as one task when the backlog is larger than the
cluster's slots.

Dask's own cost per task (the scheduler's transitions, the worker's handling, the client's
future and gather) is several milliseconds; for a tiny task it is most of the cost. Dask's own
advice for tiny tasks is to make fewer, bigger ones. The executor keeps at most `in_flight`
Dask tasks in flight (two per worker thread of the cluster: the one it runs, and the next one,
queued on it) and sends what the runner submitted meanwhile as that many
bundles, split as evenly as can be, so a fan-out no bigger than the slots still runs one
attempt per Dask task, in parallel.

Inside a bundle each attempt is still its own: a fork of the task host of its own, its own
start marker, report, output, @timeout and cancel. Two datastore blobs carry what the
client and a worker must agree on about one attempt without a Dask message:

    marker("started", ...)    written by whoever claims the attempt first: the worker about to
                              run it (a Dask rerun on another worker then refuses it), or the
                              client cancelling it before it ran (the worker then skips it)
    marker("cancelled", ...)  written by the client to stop an attempt already running; the
                              worker running it looks for it while the attempt runs
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowscope.runtime.executor import AttemptKey

MOST = 32  # attempts in one bundle at most (a bundle's last report waits for the others)


def in_flight(slots: int) -> int:
    """The most Dask tasks of one kind in flight on a cluster of `slots` worker threads: two
    a thread, so that each has the next one at hand when one ends (Dask's scheduler gives a
    worker no more than about one task a thread beyond those it runs, so one extra for the
    whole cluster would wait on one worker while another idles)."""
    return 2 * max(1, slots)


def sizes(count: int, free: int, most: int = MOST) -> list[int]:
    """How many attempts each bundle takes when `count` are waiting and `free` Dask tasks may
    be added: `free` bundles at most (one at least), as even as can be, none above `most`."""
    if count <= 0:
        return []
    parts = max(1, min(free, count), -(-count // most))
    base, extra = divmod(count, parts)
    return [base + 1] * extra + [base] * (parts - extra)


@dataclass(frozen=True)
class Batch:
    """What one Dask task carries: its attempts, (key, payload, timeout) each, in order. A
    value of its own, so that Dask never reads the tuples as a graph."""

    attempts: tuple[tuple[AttemptKey, Any, float | None], ...]
    announce: bool = True  # say when it starts (for hard timeouts and resource waits)


@dataclass
class Bundle:
    """The client's side of one Dask task: its attempts' keys and hard timeouts, in order."""

    number: int
    keys: tuple[AttemptKey, ...]
    timeouts: tuple[float | None, ...]
    needs: tuple[tuple[str, float], ...]
    payloads: tuple[Any, ...] = ()  # in the order of `keys` (to send one again)
    future: Any = None
    worker: str = ""  # where it started (its start event, sent only when needed)
    reported: set[AttemptKey] = field(default_factory=set)

    def result(self) -> Any:
        """The finished task's reports, or None when they cannot be had."""
        try:
            return self.future.result(timeout=10)
        except Exception:
            return None

    def killed(self) -> bool:
        """The task failed because its worker died (every time Dask was allowed to try)."""
        try:
            return type(self.future.exception(timeout=5)).__name__ == "KilledWorker"
        except Exception:
            return False

    def failure(self) -> str:
        """Why the failed task has no report for an attempt, in words."""
        try:
            exc = self.future.exception(timeout=5)
        except Exception as err:
            return f"its Dask task failed and the reason could not be read ({err})"
        if type(exc).__name__ == "KilledWorker":
            last = getattr(getattr(exc, "last_worker", None), "address", "")
            worker = self.worker or str(last or "")
            return f"the Dask worker running it died{f' ({worker})' if worker else ''}"
        return f"its Dask task failed: {type(exc).__name__}: {exc}"

    def deadlines(self, now: float, late: float) -> dict[AttemptKey, float | None]:
        """When each attempt's report is overdue, for a bundle that started at `now`: the
        hard timeouts of it and of those before it, plus `late` (None after one without)."""
        out: dict[AttemptKey, float | None] = {}
        total: float | None = 0.0
        for key, timeout in zip(self.keys, self.timeouts, strict=True):
            total = None if total is None or not timeout else total + timeout
            out[key] = None if total is None else now + total + late
        return out


@dataclass
class Tracked:
    """The client's side of one attempt, from its submit to its end."""

    key: AttemptKey
    submitted: float
    needs: Mapping[str, float]
    alone: bool  # a gang member: never bundled, never held back
    bundle: Bundle | None = None  # None until sent
    deadline: float | None = None  # its report is overdue (set when its bundle starts)
    cancelled: bool = False
    emitted: int = 0  # chunks passed on so far
    early: dict[int, tuple[str, str]] | None = None  # chunks announced out of order

    @property
    def future(self) -> Any:
        return None if self.bundle is None else self.bundle.future

    @property
    def worker(self) -> str:
        return "" if self.bundle is None else self.bundle.worker


def marker(kind: str, topic: str, number: int, key: AttemptKey) -> bytes:
    """The blob that says an attempt of one executor (`topic`), sent in its bundle `number`,
    was `kind` (see above). A Dask rerun of the bundle meets the same markers; the attempt
    sent again in another bundle (never started before its worker died) meets fresh ones."""
    return f"flowscope attempt {kind}: {topic} bundle {number} {key[0]} {key[1]}".encode()


def marker_key(data: bytes) -> str:
    """The key the datastore keeps `data` under (to look for it without writing it)."""
    from flowscope.datastore.cas import content_key

    return content_key(data)


def announced(batch: Sequence[tuple[AttemptKey, Any, float | None]], needs: Sequence[Any]) -> bool:
    """Whether a bundle's worker says when it starts, an event of its own: only what needs
    it hears it (a hard timeout's deadline counts from the start; a task waiting for
    resources is failed when no worker offers them, unless it started). The worker that ran
    an attempt comes with its report either way."""
    return bool(needs) or any(timeout for _, _, timeout in batch)


def unstarted(
    bundle: Bundle, missing: Sequence[AttemptKey], claim: Callable[[AttemptKey], bool]
) -> list[tuple[AttemptKey, Any, float | None]]:
    """Of a dead worker's bundle (KilledWorker: every rerun died too, or none was allowed),
    the attempts among `missing` (no report) that never started, claimed now so that no
    worker ever starts them in that bundle: (key, payload, timeout) each, to send again in
    another bundle. The one that was running, claimed by its worker, is not among them: it
    fails, and its @retry decides. A claim the datastore refuses leaves the attempt to fail."""
    again = []
    for key in missing:
        try:
            fresh = claim(key)
        except Exception:
            fresh = False
        if fresh:
            i = bundle.keys.index(key)
            again.append((key, bundle.payloads[i], bundle.timeouts[i]))
    return again


def in_a_gang(payload: Any) -> bool:
    """A @parallel task's members must run at once: each goes alone, never behind another."""
    gang: Sequence[int] = getattr(payload, "gang", ())
    return bool(gang)


__all__ = [
    "MOST",
    "Batch",
    "Bundle",
    "Tracked",
    "announced",
    "in_a_gang",
    "in_flight",
    "marker",
    "marker_key",
    "sizes",
    "unstarted",
]
