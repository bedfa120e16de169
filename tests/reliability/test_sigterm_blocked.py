"""Issue 10 item 4: the first SIGTERM stops a run that is blocked on a service call.

`timeout`, systemd, CI and Kubernetes send one SIGTERM, then wait. A run whose runner waits
on the metadata service (here: a proxy that swallows one request and never answers it, with
the service timeout raised to 60 s) must stop promptly: workers ended, run recorded as
failed once the service answers again, the resume command printed, exit code 130."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pg import ServiceFactory

from .helpers import alive, group_members, make_project, wait_for
from .test_kill import make_gate, started_workers

pytestmark = [pytest.mark.service, pytest.mark.slow]


class HoldingProxy:
    """A TCP proxy to the service. While `hold` is set, a request that arrives is swallowed:
    its connection is never forwarded again (the client waits for an answer that never
    comes). Connections made afterwards, with `hold` cleared, are forwarded as usual."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.hold = threading.Event()
        self.held = threading.Event()  # set once a request has been swallowed
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self._sockets += [client, upstream]
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket) -> None:
        swallowing = False
        while True:
            try:
                data = client.recv(65536)
            except OSError:
                return
            if not data:
                return
            if self.hold.is_set():
                swallowing = True
                self.held.set()
            if not swallowing:
                upstream.sendall(data)

    def _down(self, upstream: socket.socket, client: socket.socket) -> None:
        while True:
            try:
                data = upstream.recv(65536)
                if not data:
                    return
                client.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self.listener.close()
        for s in self._sockets:
            s.close()


@pytest.fixture
def proxied(
    service_factory: ServiceFactory, tmp_path: Path
) -> Iterator[tuple[object, HoldingProxy]]:
    service = service_factory(str(tmp_path / "svc.db"), str(tmp_path / "svc-blobs"))
    proxy = HoldingProxy(service.port)
    try:
        yield service, proxy
    finally:
        proxy.close()
        service.cleanup()


def test_the_first_sigterm_stops_a_run_blocked_on_the_service(tmp_path: Path, proxied) -> None:
    service, proxy = proxied
    project = make_project(
        tmp_path / "project",
        FLOWSCOPE_SERVICE_URL=proxy.url,
        FLOWSCOPE_SERVICE_TOKEN=service.token,  # type: ignore[attr-defined]
        FLOWSCOPE_SERVICE_TIMEOUT="60",
    )
    try:
        gate = make_gate(project, "hold")
        runner = project.start("gated", "run", "--n", "3", "--gate", str(gate))
        workers = wait_for(lambda: started_workers(gate, 1, 3), 30, "three body tasks to start")
        proxy.hold.set()
        assert proxy.held.wait(10), "the runner never made a call while the proxy held"
        proxy.hold.clear()  # the swallowed call stays unanswered; new connections are served
        time.sleep(0.3)
        os.kill(runner.pid, signal.SIGTERM)  # once, as `timeout` and systemd do
        began = time.monotonic()
        assert runner.wait(timeout=30) == 130, project.output_of(runner)
        assert time.monotonic() - began < 8, "the run did not stop promptly"
        output = project.output_of(runner)
        assert "interrupted" in output and "resume 1" in output, output
        assert "Traceback" not in output, output
        wait_for(lambda: not group_members(runner.pid), 10, "the run's processes to end")
        assert not [p for p in workers if alive(p)]
        fs = project.client(proxy.url, FLOWSCOPE_SERVICE_TOKEN=service.token)  # type: ignore[attr-defined]
        run = fs.Run("GatedFlow/1")
        assert run.status == "failed" and run.finished
        for task in run["body"]:
            assert task.finished and not task.successful
    finally:
        project.cleanup()
