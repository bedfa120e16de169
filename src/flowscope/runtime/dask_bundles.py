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

from collections.abc import Mapping, Sequence
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
    future: Any = None
    worker: str = ""  # where it started (its start event, sent only when needed)
    reported: set[AttemptKey] = field(default_factory=set)

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


def marker(kind: str, topic: str, key: AttemptKey) -> bytes:
    """The blob that says an attempt of one executor (`topic`) was `kind` (see above)."""
    return f"flowscope attempt {kind}: {topic} {key[0]} {key[1]}".encode()


def marker_key(data: bytes) -> str:
    """The key the datastore keeps `data` under (to look for it without writing it)."""
    from flowscope.datastore.cas import content_key

    return content_key(data)


def in_a_gang(payload: Any) -> bool:
    """A @parallel task's members must run at once: each goes alone, never behind another."""
    gang: Sequence[int] = getattr(payload, "gang", ())
    return bool(gang)


__all__ = [
    "MOST",
    "Batch",
    "Bundle",
    "Tracked",
    "in_a_gang",
    "in_flight",
    "marker",
    "marker_key",
    "sizes",
]
