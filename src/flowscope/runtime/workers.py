"""The local executor: one fork of the warm runner per attempt, watched through three pipes.

A fork costs about a millisecond and needs no re-import; a worker that crashes, exits or
segfaults takes only its own attempt down. The executor reads each worker's stdout and
stderr line by line (timestamping every line as it arrives, for the runner's output sink)
and its outcome from a result pipe. Single-threaded, so forking is safe.

A run of many tasks pays, in every fork, for the interpreter specializing the task machinery's
bytecode (the runner itself never runs a task, so the code it shares is cold). Before its
`WARM_AT`-th fork the executor runs that machinery in the runner on a flow of its own
(runtime/warmup.py), so that every later fork inherits it specialized: a short run (the hello
flow) never pays for the warm-up, a long one gains on every task after it.
"""

from __future__ import annotations

import faulthandler
import io
import os
import pickle
import selectors
import signal
import socket
import sys
import time
from collections.abc import Callable, Collection
from typing import Any, Generic, TypeVar

from flowscope.logs import LogRecord
from flowscope.runtime.executor import CANCELLED, TIMEOUT, AttemptKey, Done, OutputSink, Placement

STREAMS = ("stdout", "stderr")
_CHUNK = 1 << 16
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})
WARM_AT = 32  # forks before the runner warms the task machinery (runtime/warmup.py)
_SIGNAL_MEANING: dict[int, str] = {
    signal.SIGSEGV: "a segmentation fault",
    signal.SIGBUS: "a bus error",
    signal.SIGFPE: "a floating-point exception",
    signal.SIGILL: "an illegal instruction",
    signal.SIGABRT: "an abort",
    signal.SIGKILL: "sent by a user, or by the system when memory runs out",
}

P = TypeVar("P")
R = TypeVar("R")


class _Fork:
    """One worker process and what has been read from it so far."""

    __slots__ = ("pid", "key", "started", "deadline", "fds", "result", "partial", "killed_for")
    pid: int
    key: AttemptKey
    started: float
    deadline: float | None
    fds: dict[int, str]  # open read ends -> "result" | "stdout" | "stderr"
    result: bytearray
    partial: dict[str, bytes]
    killed_for: str | None  # TIMEOUT or CANCELLED once the executor ended it

    def __init__(
        self,
        pid: int,
        key: AttemptKey,
        started: float,
        deadline: float | None,
        fds: dict[int, str],
        result: bytearray | None = None,
        partial: dict[str, bytes] | None = None,
        killed_for: str | None = None,
    ) -> None:
        self.pid = pid
        self.key = key
        self.started = started
        self.deadline = deadline
        self.fds = fds
        self.result = bytearray() if result is None else result
        self.partial = {s: b"" for s in STREAMS} if partial is None else partial
        self.killed_for = killed_for


def die_with_parent_hook() -> Callable[[], None] | None:
    """On Linux, a function that asks the kernel to SIGKILL the calling process when its parent
    dies, so that a runner killed with -9 leaves no workers computing for nobody."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)


class _ChildReady:
    """What every child needs, made once in the runner before any fork rather than in
    each child (where each new object dirties shared pages): the die-with-parent hook, and
    the child's sys.stdout and sys.stderr over fds 1 and 2, which the runner never writes
    (a child points fds 1 and 2 at its pipes first)."""

    def __init__(self) -> None:
        self.die_with_parent = die_with_parent_hook()
        self.stdout = _text_stream(1)
        self.stderr = _text_stream(2)


def _text_stream(fd: int) -> io.TextIOWrapper | None:
    """A line-buffered UTF-8 text stream over `fd` (None when the runner has no such fd
    open: the child then makes its own, once its pipe is there)."""
    try:
        return io.TextIOWrapper(
            io.FileIO(fd, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
    except OSError:
        return None


def _child(
    work: Callable[[Any], Any],
    payload: Any,
    fds: tuple[int, int, int],
    runner: int,
    ready: _ChildReady,
) -> None:
    result_w, out_w, err_w = fds
    code = 0
    try:
        if ready.die_with_parent is not None:
            ready.die_with_parent()
        if os.getppid() != runner:  # the runner died before the hook was in place
            os._exit(1)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner handles Ctrl-C
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by submit()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        sys.stdout = ready.stdout or _text_stream(1) or sys.stdout
        sys.stderr = ready.stderr or _text_stream(2) or sys.stderr
        faulthandler.enable(sys.stderr)  # a fatal signal prints the Python frames to stderr
        outcome = work(payload)
        payload = memoryview(pickle.dumps(outcome, protocol=5))
        while payload:
            payload = payload[os.write(result_w, payload) :]
    except BaseException:
        code = 70
        try:
            import traceback

            traceback.print_exc()
        except BaseException:
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class ForkExecutor(Generic[P, R]):
    """The `Executor` that forks the runner once per attempt; `work(payload)` runs in the child
    and its return value is pickled back. Before fork number `warm_at` (counting from 0) the
    runner warms the task machinery; `None` never does."""

    def __init__(
        self,
        work: Callable[[P], R],
        on_output: OutputSink,
        capacity: int,
        *,
        close_in_child: tuple[int, ...] = (),
        warm_at: int | None = WARM_AT,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.work = work
        self.on_output = on_output
        self._capacity = capacity
        self.selector = selectors.DefaultSelector()
        self._forks: dict[int, _Fork] = {}  # pid -> fork
        self._by_key: dict[AttemptKey, _Fork] = {}
        self._host = socket.gethostname()
        self._ready = _ChildReady()  # what every child needs, made once
        self._closed = False
        self._close_in_child = close_in_child  # the caller's own fds a worker must not hold
        self._warm_at = warm_at
        self._forked = 0  # forks made so far

    @property
    def capacity(self) -> int:
        return self._capacity

    def in_flight(self) -> Collection[AttemptKey]:
        return self._by_key.keys()

    def submit(self, key: AttemptKey, payload: P, timeout: float | None = None) -> None:
        if key in self._by_key:
            raise ValueError(f"attempt {key} is already in flight")
        if self._forked == self._warm_at:
            from flowscope.runtime.warmup import warm_runtime

            warm_runtime()
        self._forked += 1
        sys.stdout.flush()
        sys.stderr.flush()
        # Ctrl-C and SIGTERM are held back from fork until the worker is registered: delivered
        # in between, the child would run the runner's handler (and go on as a second runner),
        # or the runner would lose track of a live worker. The child unblocks them once its own
        # dispositions are set; the runner gets a held-back signal when submit() returns.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pipes = [os.pipe() for _ in range(3)]
            runner = os.getpid()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                for r, _ in pipes:
                    os.close(r)
                held = [s.fd for s in (self.selector.get_map() or {}).values()]
                for fd in (*held, *self._close_in_child):
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                fds = (pipes[0][1], pipes[1][1], pipes[2][1])
                _child(self.work, payload, fds, runner, self._ready)
            for _, w in pipes:
                os.close(w)
            now = time.time()
            fork = _Fork(pid, key, now, now + timeout if timeout else None, {})
            for (r, _), name in zip(pipes, ("result", *STREAMS), strict=True):
                os.set_blocking(r, False)
                fork.fds[r] = name
                self.selector.register(r, selectors.EVENT_READ, fork)
            self._forks[pid] = fork
            self._by_key[key] = fork
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def poll(self, timeout: float) -> list[Done[R]]:
        if not self._forks:
            time.sleep(min(timeout, 0.05))
            return []
        now = time.time()
        for fork in self._forks.values():
            if fork.deadline is not None and now >= fork.deadline and fork.killed_for is None:
                fork.killed_for = TIMEOUT
                _kill(fork.pid, signal.SIGKILL)
        deadlines = [f.deadline for f in self._forks.values() if f.deadline and not f.killed_for]
        if deadlines:
            timeout = max(0.0, min(timeout, min(deadlines) - now))
        for selected, _ in self.selector.select(timeout):
            self._read(selected.data, selected.fd)
        return [self._reap(f) for f in list(self._forks.values()) if not f.fds]

    def cancel(self, key: AttemptKey) -> None:
        fork = self._by_key.get(key)
        if fork is not None and fork.killed_for is None:
            fork.killed_for = CANCELLED
            _kill(fork.pid, signal.SIGTERM)

    def shutdown(self, grace: float = 2.0) -> list[Done[R]]:
        """SIGTERM to every worker, then SIGKILL after `grace` seconds; close the pipes."""
        if self._closed:
            return []
        for key in list(self._by_key):
            self.cancel(key)
        end = time.time() + grace
        ended: list[Done[R]] = []
        while self._forks and time.time() < end:
            ended += self.poll(0.05)
        for pid in list(self._forks):
            _kill(pid, signal.SIGKILL)
        while self._forks:
            ended += self.poll(0.05)
        self.selector.close()
        self._closed = True
        return ended

    def _read(self, fork: _Fork, fd: int) -> None:
        name = fork.fds.get(fd)
        if name is None:  # forgotten at EOF by a read that Ctrl-C cut short: finish the job
            self._forget(fd)
            return
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            return
        if not data:
            # forgotten first, so a Ctrl-C in between never leaves a fork that waits for ever
            # on a pipe nobody watches (shutdown would poll for it endlessly); at worst the
            # pipe stays watched (the next read forgets it) or open until the process exits
            del fork.fds[fd]
            self._forget(fd)
            if name in STREAMS and fork.partial[name]:
                self._emit(fork, name, fork.partial[name])
                fork.partial[name] = b""
            return
        if name == "result":
            fork.result += data
            return
        buffered = fork.partial[name] + data
        *complete, rest = buffered.split(b"\n")
        fork.partial[name] = rest
        for raw in complete:
            self._emit(fork, name, raw)

    def _forget(self, fd: int) -> None:
        self.selector.unregister(fd)
        os.close(fd)

    def _emit(self, fork: _Fork, stream: str, raw: bytes) -> None:
        line = LogRecord(time.time(), raw.decode("utf-8", "backslashreplace"))
        self.on_output(fork.key, stream, line)

    def _reap(self, fork: _Fork) -> Done[R]:
        try:
            _, status = os.waitpid(fork.pid, 0)
        except ChildProcessError:  # reaped already (a wait interrupted before it was noted)
            status = -1
        del self._forks[fork.pid], self._by_key[fork.key]
        where = Placement("local", self._host, fork.pid)

        def done(outcome: R | None, failure: str | None) -> Done[R]:
            return Done(fork.key, outcome, failure, where, fork.started)

        if fork.result:
            try:
                return done(pickle.loads(bytes(fork.result)), None)
            except Exception as exc:  # a truncated result: the worker died while writing
                return done(None, f"the worker's result could not be read ({exc})")
        if fork.killed_for is not None:
            return done(None, fork.killed_for)
        if status == -1:
            return done(None, "the worker process ended and its exit status was lost")
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            what = _SIGNAL_MEANING.get(sig)
            return done(
                None, f"the worker process was killed by {name}" + (f" ({what})" if what else "")
            )
        return done(None, f"the worker process exited with code {os.WEXITSTATUS(status)}")


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
