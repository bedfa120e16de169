"""The HTTP provider's own behaviour: time bounds, retries, lost answers, error mapping,
keep-alive and fork safety (metastore/http.py, remote/transport.py, datastore/http.py)."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import ContentStore, LocalStorage, open_storage
from flowscope.datastore.http import HttpBlobStorage
from flowscope.errors import (
    AuthenticationError,
    BlobNotFound,
    InvalidPathspec,
    MetadataError,
    ObjectNotFound,
    SchemaError,
    ServiceUnavailable,
    TagError,
)
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.migrations import migrate
from flowscope.metastore.records import AttemptResult, AttemptStart, NewRun, NewTask, RunQuery
from flowscope.metastore.store import SqlMetadataStore
from flowscope.remote.transport import HttpTransport
from flowscope.service.app import create_app
from pg import free_port

from .helpers_http import LosingProxy, ScriptedServer, silent_server, uvicorn_thread

TOKEN = "t0ken-for-tests"


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[SqlMetadataStore]:
    db = SqliteDatabase(tmp_path / "metadata.db")
    migrate(db)
    s = SqlMetadataStore(db)
    yield s
    s.close()


@pytest.fixture()
def served(store: SqlMetadataStore, tmp_path: Path) -> Iterator[str]:
    app = create_app(store, blobs=LocalStorage(tmp_path / "blobs"), token=TOKEN, close_store=False)
    with uvicorn_thread(app, keep_alive=1) as url:
        yield url


def test_describe_and_bad_urls() -> None:
    assert (
        HttpMetadataProvider("http://host:1/prefix/").describe() == "service@http://host:1/prefix"
    )
    for bad in ("ftp://x", "http://", "localhost:8080"):
        with pytest.raises(MetadataError):
            HttpMetadataProvider(bad)


def test_dead_service_fails_fast_and_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    provider = HttpMetadataProvider(url, timeout=1.0, write_timeout=30.0)
    for call in (provider.list_flows, lambda: provider.create_run(NewRun("F", "u"))):
        start = time.monotonic()
        with pytest.raises(ServiceUnavailable) as info:
            call()
        assert time.monotonic() - start < 1.6  # writes too: the service never answered yet
        assert url in str(info.value) and "FLOWSCOPE_SERVICE_TIMEOUT" in str(info.value)


def test_a_service_that_never_answers_is_bounded() -> None:
    with silent_server() as url:
        provider = HttpMetadataProvider(url, timeout=1.0)
        start = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            provider.get_run("F", 1)
        assert time.monotonic() - start < 1.6


def test_unavailable_answers_are_retried() -> None:
    busy = {"error": {"type": "DatabaseUnavailable", "message": "restarting"}}
    with ScriptedServer([(503, busy), (502, b"bad gateway"), (200, {"flows": []})]) as server:
        assert HttpMetadataProvider(server.url).list_flows() == []
        assert len(server.requests) == 3
    with (
        ScriptedServer([(503, busy)] * 100) as server,
        pytest.raises(ServiceUnavailable, match="restarting"),
    ):
        HttpMetadataProvider(server.url, timeout=0.5).list_flows()


@pytest.mark.parametrize(
    "status,kind,error",
    [
        (404, "ObjectNotFound", ObjectNotFound),
        (400, "TagError", TagError),
        (400, "InvalidPathspec", InvalidPathspec),
        (400, "BadRequest", MetadataError),
        (401, "Unauthorized", AuthenticationError),
        (503, "SchemaError", SchemaError),
        (404, "BlobNotFound", BlobNotFound),
        (500, "InternalError", MetadataError),
    ],
)
def test_error_answers_map_to_flowscope_errors(status: int, kind: str, error: type) -> None:
    body = {"error": {"type": kind, "message": "the message"}}
    with ScriptedServer([(status, body)]) as server:
        start = time.monotonic()
        with pytest.raises(error, match="the message"):
            HttpMetadataProvider(server.url).update_tags("F", 1, add=["x"])
        assert time.monotonic() - start < 0.5  # not retried
        assert len(server.requests) == 1


def test_non_json_errors_are_reported_with_their_status() -> None:
    with (
        ScriptedServer([(418, b"<html>teapot</html>")]) as server,
        pytest.raises(MetadataError, match="418"),
    ):
        HttpMetadataProvider(server.url).list_flows()


def test_token_is_sent_as_bearer() -> None:
    with ScriptedServer([(200, {"flows": []})]) as server:
        HttpMetadataProvider(server.url, token="abc").list_flows()
        assert server.requests[0][2]["Authorization"] == "Bearer abc"


def test_wrong_token_is_an_authentication_error(served: str) -> None:
    with pytest.raises(AuthenticationError, match="FLOWSCOPE_SERVICE_TOKEN"):
        HttpMetadataProvider(served, token="wrong").list_flows()
    with pytest.raises(AuthenticationError):
        HttpMetadataProvider(served).list_flows()


def test_prefix_and_query_encoding(served: str) -> None:
    provider = HttpMetadataProvider(served, token=TOKEN)
    provider.create_run(NewRun("F", "a b&c=d", user_tags=("x y", "a&b=c"), parameters={"p": "v&w"}))
    assert [r.run_id for r in provider.list_runs("F", RunQuery(user="a b&c=d")).items] == [1]
    assert len(provider.list_runs("F", RunQuery(tags_all=("a&b=c",))).items) == 1
    assert len(provider.list_runs("F", RunQuery(parameters={"p": "v&w"})).items) == 1


def test_lost_answers_to_writes_are_retried_without_duplicates(
    served: str, store: SqlMetadataStore
) -> None:
    with LosingProxy(served) as proxy:
        provider = HttpMetadataProvider(proxy.url, token=TOKEN)
        run = provider.create_run(NewRun("F", "u", user_tags=("a",)))
        assert run.run_id == 1
        provider.create_tasks("F", 1, [NewTask("body", i) for i in (1, 2)])
        provider.start_attempts("F", 1, [AttemptStart(1, 0), AttemptStart(2, 0)])
        provider.finish_attempts("F", 1, [AttemptResult(1, 0, "succeeded")])
        provider.update_tags("F", 1, add=["b"], remove=["a"])
        provider.heartbeat("F", 1, [(2, 0)])
        provider.finish_run("F", 1, "succeeded")
        assert proxy.lost == 7
    assert [r.run_id for r in store.list_runs("F").items] == [1]  # one run, not two
    run_now = store.get_run("F", 1)
    assert run_now is not None and run_now.user_tags == ("b",) and run_now.status == "succeeded"
    assert [t.status for t in store.list_tasks("F", 1)] == ["succeeded", "failed"]


def test_idle_keep_alive_connections_are_replaced(served: str) -> None:
    provider = HttpMetadataProvider(served, token=TOKEN)
    provider.list_flows()
    time.sleep(1.5)  # the server (keep-alive 1 s) has closed the idle connection
    start = time.monotonic()
    assert provider.list_flows() == []
    assert time.monotonic() - start < 0.5


def _child_reads(url: str, queue: multiprocessing.Queue[object]) -> None:
    provider = HttpMetadataProvider(url, token=TOKEN)
    run = provider.get_run("F", 1)
    queue.put(None if run is None else run.run_id)


def _child_uses_inherited(
    provider: HttpMetadataProvider, queue: multiprocessing.Queue[object]
) -> None:
    run = provider.get_run("F", 1)
    queue.put(None if run is None else run.run_id)


def test_a_forked_child_opens_its_own_connection(served: str) -> None:
    provider = HttpMetadataProvider(served, token=TOKEN)
    provider.create_run(NewRun("F", "u"))
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[object] = ctx.Queue()
    child = ctx.Process(target=_child_uses_inherited, args=(provider, queue))
    child.start()
    child.join(20)
    assert child.exitcode == 0 and queue.get(timeout=5) == 1
    assert provider.get_run("F", 1) is not None  # the parent's connection still works


def test_blobs_through_the_service(served: str, tmp_path: Path) -> None:
    blobs = ContentStore(
        open_storage(served, Settings.from_env({"FLOWSCOPE_SERVICE_TOKEN": TOKEN}))
    )
    data = bytes(range(256)) * 5000
    key = blobs.put(data)
    assert blobs.get(key) == data
    assert blobs.exists(key) and not blobs.exists("0" * 64)
    assert blobs.exists_many([key, "0" * 64]) == {key}
    assert blobs.stored_size(key) == LocalStorage(tmp_path / "blobs").size(key)
    assert blobs.put(data) == key  # already there: not sent again
    with pytest.raises(BlobNotFound):
        blobs.get("0" * 64)
    misplaced = ContentStore(HttpBlobStorage(HttpTransport(f"{served}/wrong/prefix", token=TOKEN)))
    with pytest.raises(MetadataError, match="No route") as info:
        misplaced.get(key)
    assert not isinstance(info.value, BlobNotFound)


def test_importing_the_client_loads_no_server_or_driver_code() -> None:
    code = (
        "import sys, flowscope, flowscope.metastore, flowscope.metastore.http, "
        "flowscope.metastore.providers\n"
        "bad = [m for m in ('psycopg', 'starlette', 'uvicorn', 'httpx') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
