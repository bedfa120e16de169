"""The task host (runtime/task_host.py), driven directly: a real host process that forks one
child per attempt; no Dask."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import psutil
import pytest

from flowscope.runtime.executor import CANCELLED, TIMEOUT
from flowscope.runtime.task_host import Attempt, HostPool, TaskHost


def square(x: int) -> int:
    return x * x


def talk(x: int) -> str:
    print(f"out {x}", flush=True)
    os.write(2, b"err line\n")
    return os.environ.get("FLOWSCOPE_TEST_VAR", "unset")


def sleepy(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def kill_host(_: Any) -> None:
    os.kill(os.getppid(), signal.SIGKILL)  # the host this attempt is a fork of
    time.sleep(30)


def crash(_: Any) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


class Counter:
    """A callable whose class state a task changes: each fork starts from the host's."""

    seen = 0

    def __call__(self, _: Any) -> int:
        type(self).seen += 1
        return type(self).seen


def until_done(host: TaskHost, within: float = 20) -> tuple[list[tuple[str, str]], tuple]:
    lines: list[tuple[str, str]] = []
    end = time.time() + within
    while time.time() < end:
        message = host.recv(0.2)
        if message is None:
            continue
        if message[0] == "lines":
            lines += [(stream, line.text) for stream, line in message[1]]
        else:
            return lines, message
    raise AssertionError("the host did not answer")


def attempt(work: Any, payload: Any, key=(1, 0), timeout=None, env=None) -> Attempt:
    return Attempt(key, "", work, payload, timeout, env or {})


@pytest.fixture
def host():
    started = TaskHost()
    yield started
    started.close()


def test_each_attempt_runs_in_its_own_fork_of_one_warm_host(host: TaskHost):
    pids = []
    for i in range(3):
        host.run(attempt(sleepy, 0, key=(i, 0)))
        _, (kind, outcome, failure, pid, started) = until_done(host)
        assert kind == "done" and failure is None and outcome == pid and started > 0
        pids.append(pid)
    assert len(set(pids)) == 3 and host.process.pid not in pids
    assert all(psutil.Process(host.process.pid).is_running() for _ in pids)  # the same host


def test_output_comes_back_by_stream_and_the_variables_are_the_forks_own(host: TaskHost):
    host.run(attempt(talk, 7, env={"FLOWSCOPE_TEST_VAR": "set"}))
    lines, done = until_done(host)
    assert ("stdout", "out 7") in lines and ("stderr", "err line") in lines
    assert done[1] == "set"
    host.run(attempt(talk, 8, key=(2, 0)))
    _, done = until_done(host)
    assert done[1] == "unset"  # the previous attempt's variable did not stay in the host


def test_tasks_do_not_share_the_class_state(host: TaskHost):
    counter = Counter()
    results = []
    for i in range(3):
        host.run(attempt(counter, None, key=(i, 0)))
        results.append(until_done(host)[1][1])
    assert results == [1, 1, 1]


def test_a_hard_timeout_kills_the_attempt_and_the_host_goes_on(host: TaskHost):
    began = time.time()
    host.run(attempt(sleepy, 30, timeout=0.5))
    _, done = until_done(host)
    assert done[1] is None and done[2] == TIMEOUT and time.time() - began < 10
    host.run(attempt(square, 4, key=(2, 0)))
    assert until_done(host)[1][1] == 16


def test_a_crash_takes_only_the_attempt_down(host: TaskHost):
    host.run(attempt(crash, None))
    _, done = until_done(host)
    assert done[1] is None and "SIGSEGV" in done[2]
    host.run(attempt(square, 3, key=(2, 0)))
    assert until_done(host)[1][1] == 9


def test_cancel_kills_the_attempt(host: TaskHost):
    host.run(attempt(sleepy, 30))
    time.sleep(0.3)
    host.cancel((1, 0))
    _, done = until_done(host)
    assert done[1] is None and done[2] == CANCELLED


def test_a_host_killed_mid_attempt_is_seen_and_a_pool_starts_a_new_one():
    pool = HostPool()
    first = pool.take()
    first.run(attempt(kill_host, None))
    with pytest.raises(EOFError):
        until_done(first)
    assert "SIGKILL" in first.why_gone()
    pool.drop(first)
    pool.give(first)  # even if given back by mistake, a dead host is never handed out again
    second = pool.take()
    assert second is not first and second.alive()
    second.run(attempt(square, 5))
    assert until_done(second)[1][1] == 25
    pool.give(second)
    assert pool.take() is second
    pool.give(second)
    pool.close()
    assert not second.alive()


def test_a_host_ends_with_its_attempt_when_its_worker_closes_the_pipe(host: TaskHost):
    host.run(attempt(sleepy, 30))
    end = time.time() + 20  # the host may still be starting
    while not psutil.Process(host.process.pid).children() and time.time() < end:
        time.sleep(0.05)
    (child,) = psutil.Process(host.process.pid).children()
    host.close(grace=5)
    assert host.process.returncode == 0
    psutil.wait_procs([child], timeout=5)
    assert not child.is_running()


def test_work_that_cannot_be_loaded_is_said_not_raised(host: TaskHost):
    from flowscope.runtime.portable import FlowSource, PortableWork

    source = FlowSource("/nonexistent-datastore-dir", "Missing", "no_such_module_here")
    broken = PortableWork(source, {"code_key": None})
    host.run(Attempt((1, 0), broken.cache_key, broken, None, None, {}))
    _, message = until_done(host)
    assert message[0] == "unloadable" and message[1] == "no_such_module_here"
    host.run(attempt(square, 2, key=(2, 0)))  # the host is still good
    assert until_done(host)[1][1] == 4


def leave(_: Any) -> None:
    raise SystemExit(3)


def test_isolation_host_runs_attempts_in_the_host_itself_with_its_trade_off(host: TaskHost):
    here = [Attempt((i, 0), "", Counter(), None, None, {}, "host") for i in range(2)]
    results = []
    for one in here:
        host.run(one)
        results.append(until_done(host)[1])
    assert [r[1] for r in results] == [1, 2]  # the trade-off: tasks share the class state
    assert {r[3] for r in results} == {host.process.pid}  # no fork
    host.run(Attempt((3, 0), "", talk, 1, None, {"FLOWSCOPE_TEST_VAR": "set"}, "host"))
    lines, done = until_done(host)
    assert ("stdout", "out 1") in lines and done[1] == "set"  # print() is captured
    host.run(Attempt((4, 0), "", talk, 2, None, {}, "host"))
    assert until_done(host)[1][1] == "unset"  # the variables were put back


def test_isolation_host_a_step_that_ends_its_process_ends_the_host_after_saying_so(
    host: TaskHost,
):
    host.run(Attempt((1, 0), "", leave, None, None, {}, "host"))
    _, done = until_done(host)
    assert done[1] is None and "SystemExit" in done[2]
    host.process.wait(timeout=10)
    assert not host.alive()
