"""`parallel_map` and `parallel_imap_unordered`: a function over many arguments in forked
processes, inside a step (as the family's `metaflow.parallel_map`).

    from flowscope import parallel_map
    sizes = parallel_map(lambda path: os.path.getsize(path), paths, max_parallel=8)

Each argument runs in a fork of the calling process (so the function may be a lambda or a
closure: nothing is pickled but the result), at most `max_parallel` at once (default: the
CPUs). A result comes back pickled through a temporary file in `dir` (default: the system's).
A call that raises stops the whole map with MulticoreError naming the argument's position and
the exception; the other children are stopped, and their files removed.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from flowscope.errors import MulticoreError

A = TypeVar("A")
R = TypeVar("R")
POLL = 0.01  # seconds between checks for a finished child


def parallel_imap_unordered(
    func: Callable[[A], R],
    iterable: Iterable[A],
    max_parallel: int | None = None,
    dir: str | None = None,
) -> Iterator[R]:
    """`func(arg)` for each argument, in forks; results as they finish (any order)."""
    for _, result in _imap(func, iterable, max_parallel, dir):
        yield result


def parallel_map(
    func: Callable[[A], R],
    iterable: Iterable[A],
    max_parallel: int | None = None,
    dir: str | None = None,
) -> list[R]:
    """`func(arg)` for each argument, in forks; results in the arguments' order."""
    results = dict(_imap(func, iterable, max_parallel, dir))
    return [results[i] for i in range(len(results))]


def _imap(
    func: Callable[[A], R], iterable: Iterable[A], max_parallel: int | None, dir: str | None
) -> Iterator[tuple[int, R]]:
    if max_parallel is None:
        max_parallel = os.cpu_count() or 1
    if not isinstance(max_parallel, int) or max_parallel < 1:
        raise MulticoreError(
            f"max_parallel must be a whole number of at least 1, got {max_parallel!r}."
        )
    args = enumerate(iterable)
    running: dict[int, tuple[int, str]] = {}  # pid -> (position, result file)
    try:
        for position, arg in islice(args, max_parallel):
            pid, path = _spawn(func, arg, dir)
            running[pid] = (position, path)
        while running:
            ended = _ended(running)  # only our children: the step may have others
            if ended is None:
                time.sleep(POLL)
                continue
            pid, status = ended
            position, path = running.pop(pid)
            yield position, _result(path, status, position)
            for position, arg in islice(args, 1):
                pid, path = _spawn(func, arg, dir)
                running[pid] = (position, path)
    finally:
        for pid, (_, path) in running.items():  # an error, or the caller stopped early
            _stop(pid)
            _remove(path)


def _ended(running: dict[int, tuple[int, str]]) -> tuple[int, int] | None:
    for pid in running:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return pid, status
    return None


def _spawn(func: Callable[[Any], Any], arg: Any, dir: str | None) -> tuple[int, str]:
    fd, path = tempfile.mkstemp(prefix="flowscope-parallel-", dir=dir)
    os.close(fd)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: run, write (ok, value), and leave without any cleanup
        code = 0
        try:
            try:
                outcome: tuple[bool, Any] = (True, func(arg))
            except BaseException as exc:  # the caller learns what failed, and where
                outcome = (False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
                code = 1
            with open(path, "wb") as out:
                try:
                    pickle.dump(outcome, out, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:
                    out.seek(0)
                    out.truncate()
                    pickle.dump((False, f"its result cannot be pickled: {exc}"), out)
                    code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    return pid, path


def _result(path: str, status: int, position: int) -> Any:
    try:
        try:
            with open(path, "rb") as f:
                ok, value = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            what = (
                f"was killed by signal {os.WTERMSIG(status)}"
                if os.WIFSIGNALED(status)
                else f"exited with code {os.waitstatus_to_exitcode(status)} before returning"
            )
            raise MulticoreError(f"parallel_map: the call on argument {position} {what}.") from None
    finally:
        _remove(path)
    if not ok:
        raise MulticoreError(f"parallel_map: the call on argument {position} raised {value}")
    return value


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
