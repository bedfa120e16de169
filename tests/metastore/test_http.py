"""HttpMetadataProvider (metastore/http.py): addresses, query encoding, retry-safe writes over
a lossy connection, and a light import. The transport's own rules are in
tests/remote/test_transport.py, the blob backend's in tests/datastore/test_http.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flowscope.errors import MetadataError
from flowscope.metastore.http import HttpMetadataProvider, run_query_params
from flowscope.metastore.new_records import AttemptResult, AttemptStart, NewRun, NewTask
from flowscope.metastore.queries import RunQuery
from flowscope.metastore.store import SqlMetadataStore
from http_servers import TOKEN, LosingProxy, ScriptedServer


def test_describe_and_bad_urls() -> None:
    assert (
        HttpMetadataProvider("http://host:1/prefix/").describe() == "service@http://host:1/prefix"
    )
    for bad in ("ftp://x", "http://", "localhost:8080"):
        with pytest.raises(MetadataError):
            HttpMetadataProvider(bad)


def test_prefix_and_query_encoding(served: str) -> None:
    provider = HttpMetadataProvider(served, token=TOKEN)
    provider.create_run(NewRun("F", "a b&c=d", user_tags=("x y", "a&b=c"), parameters={"p": "v&w"}))
    assert [r.run_id for r in provider.list_runs("F", RunQuery(user="a b&c=d")).items] == [1]
    assert len(provider.list_runs("F", RunQuery(tags_all=("a&b=c",))).items) == 1
    assert len(provider.list_runs("F", RunQuery(parameters={"p": "v&w"})).items) == 1


def test_lost_answers_to_writes_are_retried_without_duplicates(
    served: str, served_store: SqlMetadataStore
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
    assert [r.run_id for r in served_store.list_runs("F").items] == [1]  # one run, not two
    run_now = served_store.get_run("F", 1)
    assert run_now is not None and run_now.user_tags == ("b",) and run_now.status == "succeeded"
    assert [t.status for t in served_store.list_tasks("F", 1)] == ["succeeded", "failed"]


def test_importing_the_client_loads_no_server_or_driver_code() -> None:
    code = (
        "import sys, flowscope, flowscope.metastore, flowscope.metastore.http, "
        "flowscope.metastore.providers\n"
        "bad = [m for m in ('psycopg', 'starlette', 'uvicorn', 'httpx') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_run_query_params_spell_every_filter() -> None:
    assert run_query_params(RunQuery()) == [("limit", "100")]
    query = RunQuery(
        tags_all=("a", "b"),
        tags_any=("c",),
        status="failed",
        user="ann",
        since=1,
        until=2.5,
        parameters={"z": [1], "a": "x"},
        limit=7,
        cursor="abc",
    )
    assert run_query_params(query) == [
        ("tag", "a"),
        ("tag", "b"),
        ("any_tag", "c"),
        ("status", "failed"),
        ("user", "ann"),
        ("cursor", "abc"),
        ("since", "1.0"),
        ("until", "2.5"),
        ("limit", "7"),
        ("param.a", '"x"'),
        ("param.z", "[1]"),
    ]


def test_path_segments_are_quoted_whole() -> None:
    missing = {"error": {"type": "ObjectNotFound", "message": "no such run"}}
    with ScriptedServer([(404, missing)]) as server:
        assert HttpMetadataProvider(f"{server.url}/pre").get_run("a/b?c d", 1) is None
        assert server.requests[0][1] == "/pre/api/v1/flows/a%2Fb%3Fc%20d/runs/1"


def test_large_batch_writes_are_split_under_the_body_bound(
    served: str, served_store: SqlMetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    from flowscope.metastore import http
    from flowscope.metastore.records import ArtifactRecord

    monkeypatch.setattr(http, "MAX_BODY", 20_000)
    provider = HttpMetadataProvider(served, token=TOKEN)
    provider.create_run(NewRun("F", "u"))
    provider.create_tasks("F", 1, [NewTask("body", i) for i in range(1, 41)])
    provider.start_attempts("F", 1, [AttemptStart(i, 0) for i in range(1, 41)])
    inline = base64.b64encode(bytes(1500)).decode()
    art = ArtifactRecord("x", "ab" * 32, 1500, "bytes", "pickle", 1.0, inline=inline)
    sent: list[int] = []
    request = provider._http.request

    def counted(method: str, path: str, **kw: object) -> object:
        if path.endswith("/attempts/finish"):
            sent.append(len(kw["body"]))  # type: ignore[arg-type]
        return request(method, path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(provider._http, "request", counted)
    provider.finish_attempts(
        "F", 1, [AttemptResult(i, 0, "succeeded", artifacts=(art,)) for i in range(1, 41)]
    )
    assert len(sent) > 1 and max(sent) <= 20_000
    index = served_store.list_step_artifacts("F", 1, "body")
    assert sorted(index) == list(range(1, 41)) and index[7][0].inline == inline


def test_a_service_from_before_columns_is_read_in_its_record_form() -> None:
    task = {"flow_name": "F", "run_id": 1, "step_name": "s", "task_id": 2, "created_at": 1.0}
    art = {"name": "x", "sha": "a" * 64, "size": 3, "type_name": "int", "serializer": "pickle"}
    old = [(200, {"tasks": [task]}), (200, {"tasks": {"2": [art]}})]  # it ignores columns=true
    with ScriptedServer(old) as server:
        provider = HttpMetadataProvider(server.url)
        tasks = provider.list_tasks("F", 1, "s")
        artifacts = provider.list_step_artifacts("F", 1, "s", ["x"])
        asked = [path for _, path, _ in server.requests]
    assert [(t.step_name, t.task_id) for t in tasks] == [("s", 2)]
    assert [(t, [a.name for a in arts]) for t, arts in artifacts.items()] == [(2, ["x"])]
    assert all("columns=true" in path for path in asked)
    assert asked[1].endswith("columns=true&name=x")


def test_columns_from_the_service_are_read(served: str, served_store: SqlMetadataStore) -> None:
    import base64

    from flowscope.metastore.records import ArtifactRecord

    copy = base64.b64encode(b"v").decode()
    art = ArtifactRecord("x", "a" * 64, 1, "int", "pickle", 1.0, inline=copy)
    served_store.create_run(NewRun("F", "u"))
    served_store.create_tasks("F", 1, [NewTask("body", i) for i in (1, 2)])
    served_store.start_attempts("F", 1, [AttemptStart(i, 0) for i in (1, 2)])
    served_store.finish_attempts("F", 1, [AttemptResult(2, 0, "succeeded", artifacts=(art,))])
    provider = HttpMetadataProvider(served, token=TOKEN)
    assert provider.list_tasks("F", 1, "body") == served_store.list_tasks("F", 1, "body")
    found = provider.list_step_artifacts("F", 1, "body")
    assert found == served_store.list_step_artifacts("F", 1, "body")
    assert found[2][0].inline == copy
