"""What the Dask executor makes of its cluster, on a stand-in client: resources no worker
offers, the slots, a scheduler lost, a cluster left without workers."""

from __future__ import annotations

from typing import Any

import pytest

from flowscope.errors import ExecutorLost
from flowscope.runtime import dask_watch
from flowscope.runtime.dask_watch import ClusterWatch


class _Client:
    def __init__(self, workers: dict[str, Any]) -> None:
        self.status = "running"
        self.workers = workers
        self.asked = 0

    def scheduler_info(self, n_workers: int) -> dict[str, Any]:
        assert n_workers == -1  # every worker, not the first few
        self.asked += 1
        return {"workers": self.workers}


def _two() -> dict[str, Any]:
    return {
        "tcp://a:1": {"nthreads": 2, "resources": {"GPU": 1}},
        "tcp://b:1": {"nthreads": 1, "resources": {}},
    }


def test_the_slots_are_the_worker_threads_looked_at_once_per_recheck() -> None:
    client = _Client(_two())
    watch = ClusterWatch(client, "tcp://s:1")
    assert watch.slots() == 3 and watch.slots() == 3
    assert client.asked == 1


def test_a_need_no_worker_meets_is_named_with_the_way_out() -> None:
    watch = ClusterWatch(_Client(_two()), "tcp://s:1")
    assert watch.unplaceable({}) is None and watch.unplaceable({"GPU": 1}) is None
    why = watch.unplaceable({"GPU": 2, "MEMORY": 10})
    assert why is not None and "GPU=2, MEMORY=10" in why and "lacking: GPU, MEMORY" in why
    assert '--resources "GPU=2,MEMORY=10"' in why


def test_a_scheduler_lost_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _Client(_two())
    watch = ClusterWatch(client, "tcp://s:1")
    watch.check()
    client.status = "closed"
    with pytest.raises(ExecutorLost, match="tcp://s:1 was lost"):
        watch.check()


def test_a_cluster_without_workers_fails_after_its_patience(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr(dask_watch.time, "time", lambda: now[0])
    watch = ClusterWatch(_Client({}), "tcp://s:1", patience=20)
    watch.check()  # none yet: patience starts
    assert not watch.due()
    now[0] += 10
    watch.check()
    now[0] += 11
    assert watch.due()
    with pytest.raises(ExecutorLost, match="no workers for 20 s"):
        watch.check()
