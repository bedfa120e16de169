"""Rules a real `flowscope service` process holds whatever callers send: a finished run's
status is final (409 for a conflicting finish, the same finish again is fine), over the SQL
store itself too; and a listing with thousands of filters is a 400, never a 5xx."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from flowscope.errors import RunAlreadyFinished
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.migrations import migrate
from flowscope.metastore.new_records import NewRun
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.store import SqlMetadataStore
from pg import PgServer, ServiceFactory, ServiceProcess

pytestmark = pytest.mark.service


def call(
    service: ServiceProcess, method: str, path: str, body: Any = None
) -> tuple[int, Any, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {service.token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, "/api/v1" + path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        parsed = json.loads(raw) if raw else None
        return resp.status, parsed, raw
    finally:
        conn.close()


@pytest.fixture(scope="module")
def service(service_factory: ServiceFactory, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("svc-rules")
    return service_factory(str(root / "metadata.db"), str(root / "blobs"))


def new_run(service: ServiceProcess, flow: str = "RulesFlow") -> int:
    status, body, _ = call(service, "POST", f"/flows/{flow}/runs", {"user": "alice"})
    assert status == 201, body
    return int(body["run_id"])


# ---- item 13: a finished run's status is final -------------------------------------------
def test_a_conflicting_finish_is_409_and_changes_nothing(service: ServiceProcess) -> None:
    run = new_run(service)
    finish = f"/flows/RulesFlow/runs/{run}/finish"
    assert call(service, "POST", finish, {"status": "succeeded"})[0] == 204
    before = call(service, "GET", f"/flows/RulesFlow/runs/{run}")[1]
    assert call(service, "POST", finish, {"status": "succeeded"})[0] == 204  # idempotent
    status, body, raw = call(service, "POST", finish, {"status": "failed"})
    assert status == 409, raw
    assert body["error"]["type"] == "RunAlreadyFinished"
    assert "succeeded" in body["error"]["message"] and "final" in body["error"]["message"]
    after = call(service, "GET", f"/flows/RulesFlow/runs/{run}")[1]
    assert after == before and after["status"] == "succeeded"


def test_the_http_provider_raises_a_clear_error_for_409(service: ServiceProcess) -> None:
    provider = HttpMetadataProvider(service.url, token=service.token)
    try:
        run = provider.create_run(NewRun("RulesFlow", "alice")).run_id
        provider.finish_run("RulesFlow", run, "failed")
        provider.finish_run("RulesFlow", run, "failed")
        with pytest.raises(RunAlreadyFinished, match=f"RulesFlow/{run}.*already finished"):
            provider.finish_run("RulesFlow", run, "succeeded")
        assert provider.get_run("RulesFlow", run).status == "failed"  # type: ignore[union-attr]
    finally:
        provider.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_sql_store_holds_the_same_rule(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        db: Any = SqliteDatabase(tmp_path / "metadata.db")
    else:
        from flowscope.metastore.postgres import PostgresDatabase

        server: PgServer = request.getfixturevalue("pg_server")
        db = PostgresDatabase(server.create_database())
    migrate(db)
    store = SqlMetadataStore(db)
    try:
        run = store.create_run(NewRun("F", "alice")).run_id
        store.finish_run("F", run, "succeeded")
        finished = store.get_run("F", run)
        store.finish_run("F", run, "succeeded")
        with pytest.raises(RunAlreadyFinished):
            store.finish_run("F", run, "failed")
        assert store.get_run("F", run) == finished
    finally:
        store.close()


# ---- item 12: filters on a listing are bounded -------------------------------------------
@pytest.mark.parametrize(
    "name,count",
    [("tag", 2000), ("any_tag", 2000), ("tag", 101), ("param.alpha", 150)],
)
def test_thousands_of_filters_are_a_400(service: ServiceProcess, name: str, count: int) -> None:
    new_run(service, "FilterFlow")
    if name.startswith("param."):
        query = [(f"param.p{i}", str(i)) for i in range(count)]
    else:
        query = [(name, f"t{i}") for i in range(count)]
    path = "/flows/FilterFlow/runs?" + urllib.parse.urlencode(query)
    status, body, raw = call(service, "GET", path)
    assert status == 400, raw
    assert body["error"]["type"] == "BadRequest"
    assert "filters" in body["error"]["message"] and "100" in body["error"]["message"]
    assert "Traceback" not in service.log() and " 500 " not in service.log()


def test_step_artifact_names_are_bounded(service: ServiceProcess) -> None:
    run = new_run(service, "FilterFlow")
    query = urllib.parse.urlencode([("name", f"a{i}") for i in range(5000)])
    status, body, raw = call(
        service, "GET", f"/flows/FilterFlow/runs/{run}/steps/s/artifacts?{query}"
    )
    assert status == 400, raw
    assert "100" in body["error"]["message"]


def test_a_hundred_filters_are_still_served(service: ServiceProcess) -> None:
    run = new_run(service, "FilterFlow")
    call(
        service,
        "POST",
        f"/flows/FilterFlow/runs/{run}/tags",
        {"add": [f"t{i}" for i in range(100)]},
    )
    query = urllib.parse.urlencode([("tag", f"t{i}") for i in range(100)])
    status, body, raw = call(service, "GET", f"/flows/FilterFlow/runs?{query}")
    assert status == 200, raw
    assert [r["run_id"] for r in body["items"]] == [run]
    provider = HttpMetadataProvider(service.url, token=service.token)
    try:
        page = provider.list_runs(
            "FilterFlow", RunQuery(tags_all=tuple(f"t{i}" for i in range(100)))
        )
        assert [r.run_id for r in page.items] == [run]
    finally:
        provider.close()
