"""The HTTP transport (remote/transport.py): time bounds, retries, error mapping, the bearer
token, keep-alive and fork safety, seen through the provider and directly."""

from __future__ import annotations

import http.client
import multiprocessing
import time

import pytest

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
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.new_records import NewRun
from flowscope.remote.transport import API_PREFIX, Answer, HttpTransport, error_type
from http_servers import TOKEN, ScriptedServer, silent_server
from pg import free_port


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


def test_addresses_and_bounds_are_checked() -> None:
    transport = HttpTransport("https://host:8443/base/", timeout=2)
    assert transport.url == "https://host:8443/base"
    assert transport.prefix == "/base" + API_PREFIX
    assert transport.write_timeout == 20.0  # max(timeout, 20) by default
    assert HttpTransport("http://h", timeout=30).write_timeout == 30.0
    assert HttpTransport("http://h", write_timeout=3).write_timeout == 3.0
    for bad in ("file:///x", "http://", "host:1"):
        with pytest.raises(MetadataError, match="http"):
            HttpTransport(bad)
    with pytest.raises(MetadataError, match="positive"):
        HttpTransport("http://h", timeout=0)


def test_ok_statuses_are_returned_and_queries_encoded() -> None:
    with ScriptedServer([(404, {"error": {"type": "BlobNotFound", "message": "x"}})]) as server:
        answer = HttpTransport(server.url).request(
            "HEAD", "/blobs/k", query=[("a", "b c")], ok=(404,)
        )
        assert answer.status == 404
        assert server.requests[0][:2] == ("HEAD", "/api/v1/blobs/k?a=b+c")


def test_a_schema_error_is_not_retried_even_as_503() -> None:
    body = {"error": {"type": "SchemaError", "message": "migrate first"}}
    with ScriptedServer([(503, body)] * 5) as server:
        with pytest.raises(SchemaError, match="migrate first"):
            HttpTransport(server.url).request("GET", "/flows")
        assert len(server.requests) == 1


def test_an_unknown_host_is_unavailable_at_once() -> None:
    start = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="resolve"):
        HttpTransport("http://no-such-host.invalid:1", timeout=3).request("GET", "/flows")
    assert time.monotonic() - start < 3


def test_error_bodies_are_read_defensively() -> None:
    headers = http.client.HTTPMessage()
    assert error_type(Answer(500, headers, b'{"error": {"type": "TagError"}}')) == "TagError"
    for body in (b"", b"not json", b"[1]", b'{"error": {"type": 3}}', b'{"error": "x"}'):
        assert error_type(Answer(500, headers, body)) is None
    assert Answer(200, headers, b'{"a": [1]}').json() == {"a": [1]}


def test_close_forgets_connections_and_later_calls_reconnect() -> None:
    with ScriptedServer([(200, {"n": 1}), (200, {"n": 2})]) as server:
        transport = HttpTransport(server.url)
        assert transport.request("GET", "/x").json() == {"n": 1}
        transport.close()
        assert transport.request("GET", "/x").json() == {"n": 2}
