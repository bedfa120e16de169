"""End to end: a real `flowscope service` process (uvicorn) over a real PostgreSQL, used through
HttpMetadataProvider; restarts of the service and of PostgreSQL in the middle of a run."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import ContentStore, open_storage
from flowscope.errors import AuthenticationError, ServiceUnavailable
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.migrations import latest_version
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.records import ArtifactRecord
from pg import PgServer, ServiceFactory, ServiceProcess

pytestmark = pytest.mark.service


def health(url: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{url}/api/v1/health", timeout=5) as resp:
        result: dict[str, object] = json.loads(resp.read())
        return result


def test_two_workers_over_postgres(
    pg_server: PgServer, service_factory: ServiceFactory, tmp_path: Path
) -> None:
    service = service_factory(pg_server.create_database(), str(tmp_path / "blobs"), workers=2)
    info = health(service.url)
    assert info["schema_version"] == latest_version() and info["database"] == "postgresql"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{service.url}/api/v1/flows", timeout=5)
    assert refused.value.code == 401
    with pytest.raises(AuthenticationError):
        HttpMetadataProvider(service.url, token="wrong").list_flows()

    provider = HttpMetadataProvider(service.url, token=service.token)
    got: list[int] = []

    def create() -> None:
        for _ in range(10):
            got.append(provider.create_run(NewRun("F", "u", user_tags=("t",))).run_id)

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 61))

    # a 1,000-task foreach: a handful of round trips, not thousands
    provider.create_tasks("F", 1, [NewTask("body", i, foreach_index=i) for i in range(1, 1001)])
    provider.start_attempts("F", 1, [AttemptStart(i, 0) for i in range(1, 1001)])
    art = ArtifactRecord("x", "a" * 64, 1, "int", "pickle")
    provider.finish_attempts(
        "F", 1, [AttemptResult(i, 0, "succeeded", artifacts=(art,)) for i in range(1, 1001)]
    )
    assert len(provider.list_step_artifacts("F", 1, "body")) == 1000
    page = provider.list_runs("F", RunQuery(tags_all=("t",), limit=25))
    assert len(page.items) == 25 and page.cursor is not None

    settings = Settings.from_env({"FLOWSCOPE_SERVICE_TOKEN": service.token})
    key = ContentStore(open_storage(service.url, settings)).put(b"blob through the proxy")
    client = ContentStore(open_storage(service.url, settings))  # only URL and token
    assert client.get(key) == b"blob through the proxy"
    assert (tmp_path / "blobs").exists()


def test_service_restart_mid_run(service_factory: ServiceFactory, tmp_path: Path) -> None:
    service = service_factory(str(tmp_path / "metadata.db"), str(tmp_path / "blobs"))
    writer = HttpMetadataProvider(service.url, token=service.token, timeout=2, write_timeout=30)
    reader = HttpMetadataProvider(service.url, token=service.token, timeout=1)
    writer.create_run(NewRun("F", "u"))
    service.stop()

    start = time.monotonic()
    with pytest.raises(ServiceUnavailable, match=service.url):
        reader.get_run("F", 1)
    assert time.monotonic() - start < 1.6

    restarter = threading.Timer(1.0, service.start)
    restarter.start()
    writer.create_tasks("F", 1, [NewTask("start", 1)])  # waits for the service to return
    restarter.join()
    assert [t.task_id for t in reader.list_tasks("F", 1)] == [1]
    assert writer.create_run(NewRun("F", "u")).run_id == 2


def test_postgres_restart_mid_run(service_factory: ServiceFactory, tmp_path: Path) -> None:
    server = PgServer()
    server.start()
    try:
        service = service_factory(server.create_database("svc"), str(tmp_path / "blobs"))
        provider = HttpMetadataProvider(service.url, token=service.token, write_timeout=30)
        provider.create_run(NewRun("F", "u"))
        server.stop()
        restarter = threading.Timer(1.5, server.start)
        restarter.start()
        provider.create_tasks("F", 1, [NewTask("start", 1)])
        provider.heartbeat("F", 1, [])
        restarter.join()
        assert [t.task_id for t in provider.list_tasks("F", 1)] == [1]
        assert provider.create_run(NewRun("F", "u")).run_id == 2
    finally:
        server.cleanup()


def test_served_under_a_prefix(tmp_path: Path) -> None:
    service = ServiceProcess(
        str(tmp_path / "m.db"), str(tmp_path / "blobs"), extra_args=("--prefix", "/team")
    )
    try:
        service.start()
        provider = HttpMetadataProvider(f"{service.url}/team", token=service.token)
        assert provider.create_run(NewRun("F", "u")).run_id == 1
        assert provider.describe() == f"service@{service.url}/team"
        plain = HttpMetadataProvider(service.url, token=service.token)  # a stripping proxy
        assert plain.get_run("F", 1) is not None
        assert health(f"{service.url}/team")["status"] == "ok"
    finally:
        service.cleanup()


def test_sigterm_stops_the_service_cleanly(tmp_path: Path) -> None:
    service = ServiceProcess(str(tmp_path / "m.db"), str(tmp_path / "blobs"))
    service.start()
    proc = service.proc
    assert proc is not None
    proc.terminate()
    assert proc.wait(15) in (0, -15)  # uvicorn re-raises the signal after a graceful stop
    service.proc = None
    assert "Application shutdown complete" in service.log()
    service.cleanup()
    assert not os.path.exists(service.dir)
