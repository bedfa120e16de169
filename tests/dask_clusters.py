"""Real Dask clusters for tests and benchmarks: the `dask scheduler` and `dask worker` CLIs.

A `CliCluster` starts a scheduler on a free loopback port and its workers as separate
processes, each in its own session, in a scratch working directory of their own with only
flowscope's source on PYTHONPATH (no test module, no flow file: the flow's code must come
from the run's code package). `stop()` kills the workers first, then the scheduler (a worker
whose scheduler is gone takes ~10 s to leave), each with bounded waits.

Fixture (import it into a conftest):

    dask_cluster   session   a 2-worker cluster; the second worker declares GPU=1
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
DASK = Path(sys.executable).with_name("dask")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], within: float) -> None:
    end = time.time() + within
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"the Dask scheduler exited with code {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the Dask scheduler did not listen on {port} within {within} s")


def _stop(proc: subprocess.Popen[bytes], grace: float) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


@dataclass
class CliCluster:
    workdir: Path
    port: int = field(default_factory=free_port)
    scheduler: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self, *worker_args: list[str], scheduler_env: dict[str, str] | None = None) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWSCOPE_", "DASK_"))}
        base.update(PYTHONPATH=str(SRC), FLOWSCOPE_CODE_CACHE=str(self.workdir / "code"))
        self.env = base
        log = open(self.workdir / "scheduler.log", "wb")  # noqa: SIM115 - kept for the process
        self.scheduler = subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-dashboard"],
            cwd=self.workdir, env={**base, **(scheduler_env or {})}, stdout=log, stderr=log,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        _wait_port(self.port, self.scheduler, 30)
        for i, extra in enumerate(worker_args or ([],)):
            self.add_worker(extra, name=f"w{i}")
        self.wait_for_workers(len(self.workers))

    def add_worker(self, extra: list[str], name: str, prefix: list[str] | None = None) -> None:
        log = open(self.workdir / f"worker-{name}.log", "wb")  # noqa: SIM115
        command = [str(DASK), "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                   "--host", "127.0.0.1", "--no-dashboard", "--no-nanny", "--name", name, *extra]  # fmt: skip
        self.workers.append(
            subprocess.Popen(
                [*(prefix or []), *command],
                cwd=self.workdir,
                env=self.env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        )

    def wait_for_workers(self, n: int, within: float = 30) -> None:
        from distributed import Client

        with Client(self.address, timeout=within, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=within)

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> pid, as the scheduler knows them."""
        from distributed import Client

        with Client(self.address, timeout=20, set_as_default=False) as client:
            return {addr: int(pid) for addr, pid in client.run(os.getpid).items()}

    def stop(self) -> None:
        for worker in self.workers:  # workers first: without their scheduler they linger
            _stop(worker, 5)
        if self.scheduler is not None:
            _stop(self.scheduler, 5)


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[CliCluster]:
    with tempfile.TemporaryDirectory(prefix="fs-dask-") as scratch:
        cluster = CliCluster(Path(scratch))
        try:
            cluster.start([], ["--resources", "GPU=1"])
            yield cluster
        finally:
            cluster.stop()
