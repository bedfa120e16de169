"""The worker side of the Dask executor, without a cluster: the start marker that keeps an
attempt from running twice, output chunks, and the messages naming the worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    assert dask_worker._first_start(store, "topic", (3, 0))
    assert not dask_worker._first_start(store, "topic", (3, 0))  # a rerun after a lost worker
    assert dask_worker._first_start(store, "topic", (3, 1))  # the retry is a new attempt
    assert dask_worker._first_start(store, "other-run", (3, 0))


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
