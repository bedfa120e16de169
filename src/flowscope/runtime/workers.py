"""Worker processes: one fork of the warm runner per attempt, watched through three pipes.

A fork costs about a millisecond and needs no re-import; a worker that crashes, exits or
segfaults takes only its own attempt down. The runner reads each worker's stdout and stderr
line by line (timestamping every line as it arrives) and its outcome from a result pipe.
"""

from __future__ import annotations

import io
import os
import pickle
import selectors
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flowscope.logs import LogLine

STREAMS = ("stdout", "stderr")
_CHUNK = 1 << 16
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


@dataclass
class Worker:
    pid: int
    key: Any  # the runner's handle for this attempt
    started: float
    deadline: float | None
    fds: dict[int, str]  # open read ends -> "result" | "stdout" | "stderr"
    result: bytearray = field(default_factory=bytearray)
    partial: dict[str, bytes] = field(default_factory=lambda: {s: b"" for s in STREAMS})
    lines: dict[str, list[LogLine]] = field(default_factory=lambda: {s: [] for s in STREAMS})
    status: int | None = None
    killed_for_timeout: bool = False


@dataclass(frozen=True)
class Exit:
    """How a worker ended: its outcome (unpickled), or why there is none."""

    worker: Worker
    outcome: Any | None
    failure: str | None


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


def _child(
    run: Callable[[], Any],
    fds: tuple[int, int, int],
    runner: int,
    die_with_parent: Callable[[], None] | None,
) -> None:
    result_w, out_w, err_w = fds
    code = 0
    try:
        if die_with_parent is not None:
            die_with_parent()
        if os.getppid() != runner:  # the runner died before the hook was in place
            os._exit(1)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner handles Ctrl-C
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by spawn()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        sys.stdout = io.TextIOWrapper(
            io.FileIO(1, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
        sys.stderr = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
        outcome = run()
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


class WorkerPool:
    """Starts workers and multiplexes their pipes. Single-threaded, so forking is safe."""

    def __init__(self, on_line: Callable[[Worker, str, LogLine], None]) -> None:
        self.on_line = on_line
        self.selector = selectors.DefaultSelector()
        self.workers: dict[int, Worker] = {}
        self._die_with_parent = die_with_parent_hook()  # resolved once, before any fork

    def __len__(self) -> int:
        return len(self.workers)

    def spawn(self, key: Any, run: Callable[[], Any], timeout: float | None = None) -> Worker:
        sys.stdout.flush()
        sys.stderr.flush()
        # Ctrl-C and SIGTERM are held back from fork until the worker is registered: delivered
        # in between, the child would run the runner's handler (and go on as a second runner),
        # or the runner would lose track of a live worker. The child unblocks them once its own
        # dispositions are set; the runner gets a held-back signal when spawn() returns.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pipes = [os.pipe() for _ in range(3)]
            runner = os.getpid()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                for r, _ in pipes:
                    os.close(r)
                for key in list((self.selector.get_map() or {}).values()):
                    try:
                        os.close(key.fd)
                    except OSError:
                        pass
                _child(run, (pipes[0][1], pipes[1][1], pipes[2][1]), runner, self._die_with_parent)
            for _, w in pipes:
                os.close(w)
            now = time.time()
            names = ("result",) + STREAMS
            worker = Worker(pid, key, now, now + timeout if timeout else None, {})
            for (r, _), name in zip(pipes, names, strict=True):
                os.set_blocking(r, False)
                worker.fds[r] = name
                self.selector.register(r, selectors.EVENT_READ, worker)
            self.workers[pid] = worker
            return worker
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def poll(self, timeout: float) -> list[Exit]:
        """Read what is ready (waiting up to `timeout`); return the workers that ended."""
        if not self.workers:
            time.sleep(min(timeout, 0.05))
            return []
        now = time.time()
        for worker in self.workers.values():
            if (
                worker.deadline is not None
                and now >= worker.deadline
                and not worker.killed_for_timeout
            ):
                worker.killed_for_timeout = True
                _kill(worker.pid, signal.SIGKILL)
        deadlines = [
            w.deadline for w in self.workers.values() if w.deadline and not w.killed_for_timeout
        ]
        if deadlines:
            timeout = max(0.0, min(timeout, min(deadlines) - now))
        for key, _ in self.selector.select(timeout):
            self._read(key.data, key.fd)
        exits = []
        for worker in list(self.workers.values()):
            if not worker.fds:
                exits.append(self._reap(worker))
        return exits

    def _read(self, worker: Worker, fd: int) -> None:
        name = worker.fds[fd]
        try:
            data = os.read(fd, _CHUNK)
        except BlockingIOError:
            return
        if not data:
            self.selector.unregister(fd)
            os.close(fd)
            del worker.fds[fd]
            if name in STREAMS and worker.partial[name]:
                self._emit(worker, name, worker.partial[name])
                worker.partial[name] = b""
            return
        if name == "result":
            worker.result += data
            return
        buffered = worker.partial[name] + data
        *complete, rest = buffered.split(b"\n")
        worker.partial[name] = rest
        for raw in complete:
            self._emit(worker, name, raw)

    def _emit(self, worker: Worker, stream: str, raw: bytes) -> None:
        line = LogLine(time.time(), raw.decode("utf-8", "backslashreplace"))
        worker.lines[stream].append(line)
        self.on_line(worker, stream, line)

    def _reap(self, worker: Worker) -> Exit:
        _, status = os.waitpid(worker.pid, 0)
        del self.workers[worker.pid]
        worker.status = status
        if worker.result:
            try:
                return Exit(worker, pickle.loads(bytes(worker.result)), None)
            except Exception as exc:  # a truncated result: the worker died while writing
                return Exit(worker, None, f"the worker's result could not be read ({exc})")
        if worker.killed_for_timeout:
            return Exit(worker, None, "timeout")
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            return Exit(worker, None, f"the worker process was killed by {name}")
        return Exit(worker, None, f"the worker process exited with code {os.WEXITSTATUS(status)}")

    def terminate_all(self, grace: float = 2.0) -> list[Exit]:
        """End every worker (Ctrl-C): SIGTERM, then SIGKILL after `grace` seconds."""
        for pid in self.workers:
            _kill(pid, signal.SIGTERM)
        end = time.time() + grace
        exits: list[Exit] = []
        while self.workers and time.time() < end:
            exits += self.poll(0.05)
        for pid in list(self.workers):
            _kill(pid, signal.SIGKILL)
        while self.workers:
            exits += self.poll(0.05)
        return exits

    def close(self) -> None:
        self.selector.close()


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
