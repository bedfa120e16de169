"""The fork executor's own behaviour: crashes, timeouts, output framing, placement."""

from __future__ import annotations

import ctypes
import faulthandler
import os
import socket
import sys
import time
from typing import Any

import pytest

from flowscope.runtime.executor import TIMEOUT
from flowscope.runtime.workers import ForkExecutor, die_with_parent_hook


def run_one(work: Any, payload: Any = None, timeout: float | None = None) -> tuple[Any, list]:
    lines: list = []
    executor = ForkExecutor(work, lambda k, s, line: lines.append((s, line.text)), 1)
    executor.submit((1, 0), payload, timeout)
    ended: list = []
    deadline = time.time() + 20
    while not ended and time.time() < deadline:
        ended = executor.poll(0.05)
    executor.shutdown()
    (done,) = ended
    return done, lines


def test_the_outcome_is_pickled_back_and_the_child_is_named() -> None:
    done, _ = run_one(lambda p: {"pid": os.getpid(), "p": p}, "x")
    assert done.outcome["p"] == "x"
    assert done.placement.pid == done.outcome["pid"] != os.getpid()
    assert done.placement.host == socket.gethostname() and done.placement.runtime == "local"


def test_an_exit_a_crash_and_an_exception_are_failures_that_say_what_happened() -> None:
    done, _ = run_one(lambda p: os._exit(3))
    assert done.outcome is None and done.failure == "the worker process exited with code 3"
    done, _ = run_one(lambda p: (faulthandler.disable(), ctypes.string_at(0)))
    assert done.failure == "the worker process was killed by SIGSEGV (a segmentation fault)"

    def boom(p: Any) -> None:
        raise ValueError("no good")

    done, lines = run_one(boom)
    assert done.failure == "the worker process exited with code 70"
    assert any("ValueError: no good" in text for stream, text in lines if stream == "stderr")


def test_a_timeout_kills_the_attempt() -> None:
    began = time.time()
    done, _ = run_one(lambda p: time.sleep(30), timeout=0.3)
    assert done.failure == TIMEOUT and time.time() - began < 10


def test_lines_are_split_and_an_unfinished_last_line_is_kept() -> None:
    def talk(p: Any) -> None:
        print("one\ntwo")
        print("to stderr", file=sys.stderr)
        sys.stdout.write("no newline")

    _, lines = run_one(talk)
    assert [t for s, t in lines if s == "stdout"] == ["one", "two", "no newline"]
    assert [t for s, t in lines if s == "stderr"] == ["to stderr"]


def test_the_runner_warms_itself_once_before_its_fork_number_warm_at(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowscope.runtime import warmup

    ended: list = []
    warmed_after: list[int] = []  # how many attempts had ended when the warm-up ran
    monkeypatch.setattr(warmup, "warm_runtime", lambda: warmed_after.append(len(ended)) or 0)
    executor = ForkExecutor(lambda p: os.getpid(), lambda *a: None, 1, warm_at=2)
    for attempt in range(5):
        executor.submit((attempt, 0), None)
        deadline = time.time() + 20
        while len(ended) <= attempt and time.time() < deadline:
            ended += executor.poll(0.05)
    executor.shutdown()
    assert len(ended) == 5 and all(d.outcome != os.getpid() for d in ended)
    assert warmed_after == [2]
    never = ForkExecutor(lambda p: None, lambda *a: None, 1, warm_at=None)
    never.submit((0, 0), None)
    while not never.poll(0.05):
        pass
    never.shutdown()
    assert warmed_after == [2]


def test_capacity_and_keys_are_checked() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1"):
        ForkExecutor(lambda p: p, lambda *a: None, 0)
    executor = ForkExecutor(lambda p: time.sleep(5), lambda *a: None, 2)
    executor.submit((1, 0), None)
    with pytest.raises(ValueError, match="already in flight"):
        executor.submit((1, 0), None)
    executor.shutdown(grace=0.5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_workers_die_with_the_runner_on_linux() -> None:
    assert callable(die_with_parent_hook())


@pytest.mark.parametrize("when", ["before", "after"])
def test_ctrl_c_as_a_worker_pipe_is_closed_still_lets_shutdown_finish(when: str) -> None:
    """Ctrl-C (the runner's handler raising KeyboardInterrupt in its wait) just before or just
    after a pipe at EOF is taken out of the selector: the fork's bookkeeping stays whole, so
    shutdown() reaps the worker and returns, instead of polling for ever for a pipe nobody
    watches."""
    import threading

    executor = ForkExecutor(lambda p: None, lambda k, s, line: None, 1)
    unregister = executor.selector.unregister
    fired: list[int] = []

    def unregister_with_ctrl_c(fd: Any) -> Any:
        if fired or when == "after":
            key = unregister(fd)
        if not fired:
            fired.append(fd)
            raise KeyboardInterrupt
        return key

    executor.selector.unregister = unregister_with_ctrl_c  # type: ignore[method-assign]
    executor.submit((1, 0), None)
    deadline = time.time() + 20
    with pytest.raises(KeyboardInterrupt):
        while time.time() < deadline:
            executor.poll(0.05)
    assert fired
    finished = threading.Event()
    thread = threading.Thread(target=lambda: (executor.shutdown(0.5), finished.set()), daemon=True)
    thread.start()
    assert finished.wait(10), "shutdown() never returned"
    assert not executor.in_flight()
