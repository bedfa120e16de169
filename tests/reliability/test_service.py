"""The metadata service under load and under faults, with flows run as users run them
(`python flow.py run` recording to a real `flowscope service` process over a real PostgreSQL):
16 readers and 4 writing runs at once; PostgreSQL stopped and restarted while a run records;
the service killed and restarted mid-run; PostgreSQL gone for longer than the runtime waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowscope.errors import ObjectNotFound
from pg import PgServer, ServiceFactory, ServiceProcess

from .helpers import Project, alive, group_members, load_every_artifact, make_project, wait_for
from .test_kill import make_gate, started_workers

pytestmark = [pytest.mark.service, pytest.mark.slow]


OUTAGE = 3.0  # seconds a fault lasts: beyond the runtime's read bound, within its write bound
READ_BOUND = "2"  # FLOWSCOPE_SERVICE_TIMEOUT for the runs (their write bound stays 20 s)


def service_project(root: Path, service: ServiceProcess) -> Project:
    return make_project(
        root,
        FLOWSCOPE_SERVICE_URL=service.url,
        FLOWSCOPE_SERVICE_TOKEN=service.token,
        FLOWSCOPE_SERVICE_TIMEOUT=READ_BOUND,
    )


@pytest.fixture
def own_pg() -> Iterator[PgServer]:
    """A PostgreSQL of this test's own, to stop and restart (the session's is shared)."""
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


def client_of(project: Project, service: ServiceProcess) -> Any:
    return project.client(service.url, FLOWSCOPE_SERVICE_TOKEN=service.token)


def assert_run_complete(fs: Any, pathspec: str, width: int) -> None:
    run = fs.Run(pathspec)
    assert run.successful, (pathspec, run.status)
    body = list(run["body"])
    assert len(body) == width
    assert sorted(t.data.value for t in body) == [10 * i for i in range(width)]
    for task in body:
        assert task.successful and {a.id for a in task} >= {"value", "a_big"}
    assert run["join"].task.data.total == 10 * sum(range(width))


def assert_no_server_errors(service: ServiceProcess) -> None:
    log = service.log()
    assert "Traceback" not in log and " 500 " not in log, log


READERS = 16
WRITERS = 4
WIDTH = 10


def test_sixteen_readers_and_four_writing_runs(
    tmp_path: Path, pg_server: PgServer, service_factory: ServiceFactory
) -> None:
    """Four runs record through the service (two server processes over PostgreSQL) while
    sixteen client threads list and read everything they can see, until the runs end (at most
    90 s): no reader ever gets an error, no run fails, nothing recorded is missing."""
    service = service_factory(pg_server.create_database(), str(tmp_path / "blobs"), workers=2)
    project = service_project(tmp_path / "project", service)
    try:
        writers = [
            project.start("wide", "run", "--n", str(WIDTH), "--max-workers", "4")
            for _ in range(WRITERS)
        ]
        fs = client_of(project, service)
        done = threading.Event()
        errors: list[BaseException] = []
        reads = [0] * READERS

        def read(slot: int) -> None:
            while not done.is_set():
                try:
                    flow = fs.Flow("WideFlow")
                except ObjectNotFound:  # before the first run is recorded
                    time.sleep(0.02)
                    continue
                try:
                    for run in flow:
                        run.status, run.finished_at, run.tags  # noqa: B018
                        for step in run:
                            for task in step:
                                if task.successful:
                                    task.data.value if step.id == "body" else list(task)
                                    task.stdout  # noqa: B018
                        reads[slot] += 1
                except Exception as exc:  # noqa: BLE001 - collected and asserted below
                    errors.append(exc)
                    return

        threads = [threading.Thread(target=read, args=(i,), daemon=True) for i in range(READERS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 90
        codes = [w.wait(timeout=max(1.0, deadline - time.monotonic())) for w in writers]
        done.set()
        for t in threads:
            t.join(timeout=30)
        assert not [t for t in threads if t.is_alive()], "a reader hung"
        assert not errors, errors[:3]
        assert codes == [0] * WRITERS, [project.output_of(w) for w in writers]
        assert all(n > 0 for n in reads), reads  # every reader read whole runs

        runs = list(fs.Flow("WideFlow"))
        assert sorted(int(r.id) for r in runs) == list(range(1, WRITERS + 1))
        for run in runs:
            assert run.successful
            body = list(run["body"])
            assert sorted(t.data.value for t in body) == [3 * i for i in range(WIDTH)]
            assert run.data.total == 3 * sum(range(WIDTH))
        assert load_every_artifact(fs, "WideFlow") >= WRITERS * WIDTH * 5
        assert_no_server_errors(service)
    finally:
        project.cleanup()


@pytest.mark.parametrize("fault", ["postgres-restart", "service-kill"])
def test_a_run_rides_out_a_restart(
    tmp_path: Path, own_pg: PgServer, service_factory: ServiceFactory, fault: str
) -> None:
    service = service_factory(own_pg.create_database("svc"), str(tmp_path / "blobs"))
    project = service_project(tmp_path / "project", service)
    try:
        gate = make_gate(project, "hold")
        runner = project.start("gated", "run", "--n", "3", "--gate", str(gate))
        workers = wait_for(lambda: started_workers(gate, 1, 3), 30, "three body tasks to start")
        if fault == "postgres-restart":
            own_pg.stop()
        else:
            assert service.proc is not None
            service.proc.kill()  # kill -9: no graceful shutdown
            service.proc.wait(timeout=10)
            service.proc = None
        (gate / "open").touch()  # the tasks end now: their artifacts and results wait
        time.sleep(OUTAGE)
        assert runner.poll() is None, project.output_of(runner)  # waiting, not failed
        if fault == "service-kill":  # the blob proxy is gone too: the tasks wait to store
            assert all(alive(p) for p in workers), "a task gave up storing its artifacts"
        own_pg.start() if fault == "postgres-restart" else service.start()
        assert runner.wait(timeout=60) == 0, project.output_of(runner)

        fs = client_of(project, service)
        assert_run_complete(fs, "GatedFlow/1", 3)
        load_every_artifact(fs, "GatedFlow")
        assert_no_server_errors(service)
    finally:
        project.cleanup()


def test_a_run_fails_clearly_when_postgres_stays_down(
    tmp_path: Path, own_pg: PgServer, service_factory: ServiceFactory
) -> None:
    """PostgreSQL gone for longer than the runtime's write bound (20 s), while one task
    finishes (its result cannot be recorded) and two keep running: the run stops with a
    one-line error naming the run, the service and the resume command; it leaves no worker
    behind; what was recorded stays true (no task succeeded without its artifacts); the run
    is never reported successful, and resume completes it once PostgreSQL is back."""
    service = service_factory(own_pg.create_database("svc"), str(tmp_path / "blobs"))
    project = service_project(tmp_path / "project", service)
    try:
        gate = make_gate(project, "hold")
        runner = project.start("gated", "run", "--n", "3", "--gate", str(gate))
        wait_for(lambda: started_workers(gate, 1, 3), 30, "three body tasks to start")
        own_pg.stop()
        (gate / "open.0").touch()
        code = runner.wait(timeout=60)
        output = project.output_of(runner)
        assert code == 1, output
        assert "Traceback" not in output, output
        error = [line for line in output.splitlines() if line.startswith("error: ")]
        assert error and service.url in error[-1] and "GatedFlow/1" in error[-1], output
        assert "resume 1" in error[-1], output
        wait_for(lambda: not group_members(runner.pid), 10, "the run's processes to end")

        own_pg.start()
        fs = client_of(project, service)
        run = fs.Run("GatedFlow/1")
        assert not run.successful and run.status in ("running", "lost")
        for step in run:
            for task in step:
                assert not task.successful or len(list(task)) > 0, task
        load_every_artifact(fs, "GatedFlow")

        (gate / "hold").unlink(missing_ok=True)
        result = project.run("gated", "resume", "1", timeout=120)
        assert result.code == 0, result.output
        assert_run_complete(fs, "GatedFlow/2", 3)
        assert_no_server_errors(service)
    finally:
        project.cleanup()


def test_a_reader_during_a_postgres_outage_gets_the_services_reason(
    tmp_path: Path, own_pg: PgServer, service_factory: ServiceFactory
) -> None:
    """Issue 10 item 16: the service answers 503 DatabaseUnavailable after its own 3 s of
    retries, and the client's last attempt then runs out of its 5 s: the message must carry the
    service's reason, not advise to check that the service is running."""
    from flowscope.errors import ServiceUnavailable
    from flowscope.metastore.http import HttpMetadataProvider

    service = service_factory(own_pg.create_database("svc"), str(tmp_path / "blobs"))
    provider = HttpMetadataProvider(service.url, token=service.token, timeout=5.0)
    try:
        assert provider.list_flows() == []
        own_pg.stop()
        start = time.monotonic()
        with pytest.raises(ServiceUnavailable) as info:
            provider.list_flows()
        assert time.monotonic() - start < 6.5
        message = str(info.value)
        assert "503" in message and "unavailable" in message.lower(), message
        assert "is running" not in message, message
        assert service.url in message, message
    finally:
        provider.close()
    own_pg.start()
    assert_no_server_errors(service)
