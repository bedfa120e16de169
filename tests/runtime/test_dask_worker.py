"""The worker side of the Dask executor, without a cluster: the start marker that keeps an
attempt from running twice, output chunks, and the messages naming the worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowscope.datastore import ContentStore, open_storage
from flowscope.logs import LogRecord, decode
from flowscope.runtime import dask_worker
from flowscope.runtime.task import TaskOutcome


class _Worker:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def log_event(self, topic: str, message: Any) -> None:
        self.events.append((topic, message))


def test_an_attempt_is_marked_started_once(tmp_path: Path) -> None:
    store = ContentStore(open_storage(str(tmp_path)))
    assert dask_worker._first_start(store, "topic", 0, (3, 0))
    assert not dask_worker._first_start(store, "topic", 0, (3, 0))  # a rerun after a lost worker
    assert dask_worker._first_start(store, "topic", 0, (3, 1))  # the retry is a new attempt
    assert dask_worker._first_start(store, "other-run", 0, (3, 0))
    assert dask_worker._first_start(store, "topic", 1, (3, 0))  # sent again in another bundle


def test_output_goes_out_in_announced_chunks_in_order(tmp_path: Path) -> None:
    store = ContentStore(open_storage(str(tmp_path)))
    worker = _Worker()
    shipper = dask_worker._Shipper(store, worker, "t", (1, 0))
    shipper.line((1, 0), "stdout", LogRecord(1.0, "one"))
    shipper.line((1, 0), "stderr", LogRecord(2.0, "warn"))
    shipper.flush(announce=True)
    shipper.line((1, 0), "stdout", LogRecord(3.0, "two"))
    shipper.flush(announce=False)
    assert [stream for stream, _ in shipper.chunks] == ["stdout", "stderr", "stdout"]
    texts = [[line.text for line in decode(bytes(store.get(k)))] for _, k in shipper.chunks]
    assert texts == [["one"], ["warn"], ["two"]]
    assert [m["seq"] for _, m in worker.events] == [0, 1]  # the last one travels in the report


def test_a_missing_module_is_named_with_the_worker() -> None:
    message = dask_worker._unloadable("torch", "ModuleNotFoundError: x", "tcp://w:1", "h")
    assert "'torch'" in message and "tcp://w:1" in message and "install it" in message
    other = dask_worker._unloadable(None, "SyntaxError: bad", "tcp://w:1", "h")
    assert other.endswith("(host h): SyntaxError: bad")
    outcome = TaskOutcome(
        ok=False, exception={"type": "ModuleNotFoundError", "message": "No module named 'np'"}
    )
    dask_worker._name_the_worker(outcome, "tcp://w:2", "host2")
    assert outcome.exception is not None
    assert "No module named 'np'" in outcome.exception["message"]
    assert "tcp://w:2" in outcome.exception["message"]


class _Running:
    """What `_unwanted` reads of a Dask worker: its status, and its task's state."""

    def __init__(self, state: str = "executing") -> None:
        self.status = "running"
        self.state = type("S", (), {"tasks": {"t": type("T", (), {"state": state})()}})()
        self.events: list[Any] = []

    def get_current_task(self) -> str:
        return "t"

    def log_event(self, topic: str, message: Any) -> None:
        self.events.append(message)


def _sleepy(seconds: float) -> int:
    import time

    time.sleep(seconds)
    return 1


def test_isolation_host_a_hard_timeout_kills_the_host_and_the_next_attempt_gets_a_new_one(
    tmp_path: Path,
) -> None:
    import time

    from flowscope.runtime.executor import TIMEOUT
    from flowscope.runtime.task_host import Attempt

    worker = _Running()
    shipper = dask_worker._Shipper(dask_worker._DirectStore(), worker, "t", (1, 0))
    began = time.time()
    slow = Attempt((1, 0), "", _sleepy, 60, 0.3, {}, "host")
    outcome, failure, _, _ = dask_worker._on_a_host(slow, shipper, worker, ("tcp://w:1", "h"))
    assert outcome is None and failure == TIMEOUT
    assert time.time() - began < 0.3 + dask_worker.HARD_GRACE + 5
    quick = Attempt((2, 0), "", _sleepy, 0, None, {}, "host")
    assert dask_worker._on_a_host(quick, shipper, worker, ("tcp://w:1", "h"))[0] == 1


def test_isolation_host_a_cancel_kills_the_host(tmp_path: Path) -> None:
    from flowscope.runtime.executor import CANCELLED
    from flowscope.runtime.task_host import Attempt

    worker = _Running(state="cancelled")
    shipper = dask_worker._Shipper(dask_worker._DirectStore(), worker, "t", (1, 0))
    slow = Attempt((1, 0), "", _sleepy, 60, None, {}, "host")
    assert dask_worker._on_a_host(slow, shipper, worker, ("w", "h"))[1] == CANCELLED


def test_a_bundles_reports_go_together_and_none_waits_past_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pickle

    now = [100.0]
    monkeypatch.setattr(dask_worker.time, "monotonic", lambda: now[0])
    worker = _Worker()
    announcer = dask_worker._Announcer(worker, "t")
    report = dask_worker.Report("outcome", None, "h", 7, "tcp://w:1", 1.0)
    announcer.ended((1, 0), report)
    now[0] += dask_worker.ANNOUNCE_AFTER / 2
    announcer.tick()
    assert worker.events == []  # its bundle may end soon: it waits to go with the others
    announcer.ended((2, 0), report)
    now[0] += dask_worker.ANNOUNCE_AFTER / 2
    announcer.tick()  # the first has waited long enough: both go, in one event
    ((topic, message),) = worker.events
    assert topic == "t" and [key for key, _ in message["reports"]] == [[1, 0], [2, 0]]
    assert pickle.loads(message["reports"][0][1]) == report
    announcer.send()
    assert len(worker.events) == 1  # nothing left to send
