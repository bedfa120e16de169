"""The task host: a warm, single-threaded process beside a Dask worker that forks one child per
attempt.

Forking the Dask worker itself costs much (a big process, whose page tables are copied) and is
unsafe (it has threads: a lock held by one of them stays held in the child). A task host is
started once per worker thread that needs one (a fresh interpreter, spawned, not forked); it keeps flowscope imported and each run's work rebuilt (its code package unpacked,
the flow module loaded, `portable.WorkCache`), and runs every attempt through the local
`ForkExecutor`, so an attempt keeps what the local executor gives: its own stdout and stderr, a
hard `@timeout`, a crash or `sys.exit` that takes down only the attempt, and no flow class state
shared between tasks (each attempt is a fresh fork of the host). Its `ForkExecutor` warms the
task machinery before the first fork (`warm_at=0`: a host lives for many attempts), so that
every fork inherits it specialized. The opt-in isolation "host"
(`--dask-isolation host`) runs attempts in the host itself instead: see `_run_here`.

    TaskHost      the worker's handle on one host: `run(...)` sends an attempt, then `recv`
    HostPool      the idle hosts of a worker process (a dead one is dropped, a new one started)
    serve         the host's loop (`main` is its entry point)

The two talk over a pair of pipes, one length-prefixed pickle a message. A host ends when its
worker closes the request pipe (or dies: the kernel closes it), killing the attempt it runs.
"""

from __future__ import annotations

import io
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flowscope.logs import LogRecord
from flowscope.runtime.executor import AttemptKey

_HEADER = struct.Struct(">Q")
_ENTRY = "import sys; from flowscope.runtime.task_host import main; main(sys.argv)"
_CHUNK = 1 << 16


HostGone = EOFError  # the other end closed its pipe (the host or its worker ended)


@dataclass(frozen=True)
class Attempt:
    """One attempt for a host: the work (`shipped`: a `PortableWork`, sent once per host and
    `work_key`, or a plain callable, sent each time with an empty key), the payload, its hard
    timeout, and the variables set in its fork before the step runs."""

    key: AttemptKey
    work_key: str
    shipped: Any  # None once this host has it
    payload: Any
    timeout: float | None
    environment: Mapping[str, str]
    isolation: str = "fork"  # "host": run in the host itself (see `_run_here`)


class _Channel:
    """Length-prefixed pickles over a read fd and a write fd."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd
        self._buffer = bytearray()

    def send(self, message: object) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:
            view = view[os.write(self.write_fd, view) :]

    def recv(self, timeout: float | None) -> Any:
        """The next message; `_NOTHING` when none came within `timeout` (None: wait); raises
        HostGone at the end of the pipe."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            message = self._complete()
            if message is not _NOTHING:
                return message
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if not ready:
                return _NOTHING
            data = os.read(self.read_fd, _CHUNK)
            if not data:
                raise HostGone("the pipe closed")
            self._buffer += data

    def _complete(self) -> Any:
        if len(self._buffer) < _HEADER.size:
            return _NOTHING
        (size,) = _HEADER.unpack_from(self._buffer)
        if len(self._buffer) < _HEADER.size + size:
            return _NOTHING
        data = bytes(self._buffer[_HEADER.size : _HEADER.size + size])
        del self._buffer[: _HEADER.size + size]
        return pickle.loads(data)

    def fds(self) -> tuple[int, int]:
        return self.read_fd, self.write_fd

    def close(self) -> None:
        for fd in {self.read_fd, self.write_fd}:
            try:
                os.close(fd)
            except OSError:
                pass


_NOTHING: Any = object()


# ---- the worker's side ---------------------------------------------------------------
class TaskHost:
    """The worker's handle on one host process (started here, spawned, not forked)."""

    def __init__(self) -> None:
        to_host_r, to_host_w = os.pipe()
        from_host_r, from_host_w = os.pipe()
        env = dict(os.environ)  # and the worker's import path: the host imports what it does
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        safe_path = ["-P"] if sys.version_info >= (3, 11) else []  # not the worker's cwd
        command = [sys.executable, *safe_path, "-c", _ENTRY]
        try:
            self.process = subprocess.Popen(
                [*command, str(to_host_r), str(from_host_w)],
                pass_fds=(to_host_r, from_host_w),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        finally:
            os.close(to_host_r)
            os.close(from_host_w)
        self.channel = _Channel(from_host_r, to_host_w)
        self.known: set[str] = set()  # the works this host has been sent

    def run(self, attempt: Attempt) -> None:
        """Start `attempt` (the work travels only the first time for this host)."""
        if attempt.work_key and attempt.work_key in self.known:
            attempt = replace(attempt, shipped=None)
        self._send(("run", attempt))
        self.known.add(attempt.work_key)

    def cancel(self, key: AttemptKey) -> None:
        self._send(("cancel", key))

    def recv(self, timeout: float) -> Any:
        """("lines", [(stream, LogRecord), ...]), ("done", outcome, failure, pid, started) or
        ("unloadable", missing module or None, text); `None` when nothing came in time."""
        message = self.channel.recv(timeout)
        return None if message is _NOTHING else message

    def alive(self) -> bool:
        return self.process.poll() is None

    def why_gone(self) -> str:
        """How the host ended, in words (after HostGone)."""
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            try:
                return f"it was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"it was killed by signal {-code}"
        return f"it exited with code {code}"

    def close(self, grace: float = 2.0) -> None:
        """End the host: its request pipe closes (it kills what it runs and exits), then
        SIGKILL after `grace` seconds."""
        self.channel.close()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _send(self, message: object) -> None:
        try:
            self.channel.send(message)
        except OSError as exc:  # EPIPE: the host is gone
            raise HostGone(str(exc)) from None


class HostPool:
    """The idle task hosts of one worker process: `take` one (a new one when none is idle),
    `give` it back when its attempt ended, `drop` one that died or misbehaved."""

    def __init__(self) -> None:
        self._idle: list[TaskHost] = []
        self._lock = threading.Lock()

    def take(self) -> TaskHost:
        with self._lock:
            while self._idle:
                host = self._idle.pop()
                if host.alive():
                    return host
                host.close(grace=0)
        return TaskHost()

    def give(self, host: TaskHost) -> None:
        with self._lock:
            self._idle.append(host)

    def drop(self, host: TaskHost) -> None:
        host.close(grace=1.0)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for host in idle:
            host.close()


# ---- the host's side -----------------------------------------------------------------
@dataclass(frozen=True)
class _InFork:
    """The work, called in the attempt's fork with the attempt's variables set (the fork's
    own environment only)."""

    work: Any
    environment: Mapping[str, str]

    def __call__(self, payload: Any) -> Any:
        os.environ.update(self.environment)
        _enter(self.work)
        return self.work(payload)


def _enter(work: Any) -> None:
    """What the runner's process holds that a task here must be told: the client namespace
    of `run --namespace` (the run's `ClientObjects.enter`, from the command line, which the
    runtime cannot import; a plain callable has none)."""
    enter = getattr(getattr(work, "objects", None), "enter", None)
    if callable(enter):
        enter()


def serve(channel: _Channel) -> None:
    """Run attempts as they come, one at a time, each in a fork; return when the worker
    closes the pipe (killing the attempt in flight)."""
    from flowscope.runtime.portable import PortableWork, WorkCache
    from flowscope.runtime.workers import ForkExecutor

    works, shipped_by_key = WorkCache(), {}
    lines: list[tuple[str, Any]] = []

    def sink(_key: AttemptKey, stream: str, line: Any) -> None:
        lines.append((stream, line))

    def flush_lines() -> None:
        if lines:
            channel.send(("lines", lines[:]))
            lines.clear()

    forks: ForkExecutor[Any, Any] | None = None
    try:
        while True:
            try:
                message = channel.recv(None)
            except HostGone:
                return
            if message[0] != "run":
                continue  # a cancel that came after its attempt ended
            attempt: Attempt = message[1]
            if attempt.shipped is not None:
                shipped_by_key[attempt.work_key] = attempt.shipped
            try:
                shipped = shipped_by_key[attempt.work_key]
                work = works.get(shipped) if isinstance(shipped, PortableWork) else shipped
                if attempt.shipped is not None:  # new here: load what its forks will need
                    _enter(work)
            except BaseException as exc:
                missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
                channel.send(("unloadable", missing, f"{type(exc).__name__}: {exc}"))
                continue
            if attempt.isolation == "host":
                _run_here(channel, work, attempt)
                continue
            if forks is None:  # warmed before its first fork: every fork will run the machinery
                forks = ForkExecutor(
                    _InFork(work, {}), sink, 1, close_in_child=channel.fds(), warm_at=0
                )
            forks.work = _InFork(work, attempt.environment)
            forks.submit(attempt.key, attempt.payload, attempt.timeout)
            ended: list[Any] = []
            while not ended:
                ended = forks.poll(0.1)
                flush_lines()
                try:
                    request = channel.recv(0)
                except HostGone:
                    return
                if request is not _NOTHING and request[0] == "cancel":
                    forks.cancel(attempt.key)
            done = ended[0]
            flush_lines()
            channel.send(("done", done.outcome, done.failure, done.placement.pid, done.started))
    finally:
        if forks is not None:
            forks.shutdown(grace=0.5)


class _Lines(io.TextIOBase):
    """sys.stdout or sys.stderr of an attempt run in the host: each line goes to the worker
    as it is written."""

    def __init__(self, channel: _Channel, stream: str) -> None:
        self.channel, self.stream, self.partial = channel, stream, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *complete, self.partial = (self.partial + text).split("\n")
        if complete:
            now = time.time()
            self.channel.send(("lines", [(self.stream, LogRecord(now, t)) for t in complete]))
        return len(text)

    def flush(self) -> None:
        if self.partial:
            self.channel.send(("lines", [(self.stream, LogRecord(time.time(), self.partial))]))
            self.partial = ""


def _run_here(channel: _Channel, work: Any, attempt: Attempt) -> None:
    """Isolation "host": run the attempt in this process, no fork. What it gives up, and
    what it keeps: tasks share the flow class's state (one host runs many); only what goes
    through sys.stdout and sys.stderr is the task's output (a write to fd 1 or 2 goes to the
    worker's log). A crash still takes down only this host (the worker starts another), and
    a hard @timeout or a cancel ends the host (the worker kills it, runtime/dask_worker.py).
    A step that ends its process (sys.exit) ends the host, after saying so."""
    saved, streams = dict(os.environ), (sys.stdout, sys.stderr)
    out, err = _Lines(channel, "stdout"), _Lines(channel, "stderr")
    started, outcome, failure = time.time(), None, None
    os.environ.update(attempt.environment)
    sys.stdout, sys.stderr = out, err
    try:
        _enter(work)
        outcome = work(attempt.payload)
    except BaseException as exc:
        failure = f"the step ended its task host ({type(exc).__name__}: {exc})"
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = streams
        os.environ.clear()
        os.environ.update(saved)
    channel.send(("done", outcome, failure, os.getpid(), started))
    if failure is not None:  # what it left behind is not to be trusted by the next attempt
        os._exit(70)


def main(argv: list[str]) -> None:
    """The host's entry point (`python -c _ENTRY READ_FD WRITE_FD`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the worker's to answer
    channel = _Channel(int(argv[1]), int(argv[2]))
    os.dup2(2, 1)  # a stray print goes where the worker's own messages go
    serve(channel)


__all__ = ["Attempt", "HostGone", "HostPool", "TaskHost", "main", "serve"]
