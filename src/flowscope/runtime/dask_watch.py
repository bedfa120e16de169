"""What the Dask executor knows of its cluster: whether the scheduler is there, its workers'
resources and threads (looked at every RECHECK seconds at most), and what that means for a
run: a task no worker can take, a scheduler lost, a cluster left without workers too long.

    ClusterWatch(client, scheduler, patience)
        .check()              raises ExecutorLost (the scheduler lost, no worker for too long)
        .unplaceable(needs)   why no worker can take a task needing `needs` (None: one can)
        .slots()              the worker threads of the cluster, as last seen
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flowscope.errors import ExecutorLost

RECHECK = 2.0  # seconds between two looks at the cluster's workers

Requirement = Mapping[str, float]  # Dask resource name -> amount


class ClusterWatch:
    def __init__(self, client: Any, scheduler: str, patience: float = 20.0) -> None:
        self.client = client
        self.scheduler = scheduler
        self.patience = patience  # seconds with no worker at all before the run fails
        self._workers: dict[str, Mapping[str, float]] = {}
        self._slots = 0
        self._seen_at = 0.0
        self._checked_at = 0.0
        self._no_workers_since: float | None = None

    def connected(self) -> bool:
        return str(getattr(self.client, "status", "")) == "running"

    def due(self) -> bool:
        """Time for another `check` (and a look at what waits for resources)."""
        return time.time() - self._checked_at > RECHECK

    def check(self) -> None:
        """Raise ExecutorLost when the scheduler is gone, or the cluster has had no worker
        for `patience` seconds."""
        now = self._checked_at = time.time()
        if not self.connected():
            raise ExecutorLost(f"the Dask scheduler at {self.scheduler} was lost")
        if self.workers():
            self._no_workers_since = None
            return
        self._no_workers_since = self._no_workers_since or now
        if now - self._no_workers_since > self.patience:
            raise ExecutorLost(
                f"the Dask cluster at {self.scheduler} has had no workers for {self.patience:g} s"
            )

    def workers(self) -> dict[str, Mapping[str, float]]:
        """Each worker's address and the resources it declares (as of RECHECK seconds ago)."""
        now = time.time()
        if now - self._seen_at > RECHECK or not self._workers:
            workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
            self._workers = {addr: dict(w.get("resources") or {}) for addr, w in workers.items()}
            self._slots = sum(int(w.get("nthreads") or 1) for w in workers.values())
            self._seen_at = now
        return self._workers

    def slots(self) -> int:
        self.workers()
        return self._slots

    def unplaceable(self, needs: Requirement) -> str | None:
        """Why no worker can take a task that needs `needs` (None when one can)."""
        if not needs:
            return None
        workers = self.workers()
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


__all__ = ["RECHECK", "ClusterWatch", "Requirement"]
