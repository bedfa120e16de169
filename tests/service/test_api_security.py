"""Authentication, limits, malformed input, error hygiene (service/app.py, wire.py, parse.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

import flowscope.service
from flowscope.metastore.migrations import latest_version
from flowscope.metastore.store import SqlMetadataStore

from .helpers import Api, error_of, seed_run

# one request per route (method, path); every one needs the token
ROUTES = [
    ("GET", "/flows"),
    ("GET", "/flows/F"),
    ("GET", "/flows/F/runs"),
    ("POST", "/flows/F/runs"),
    ("GET", "/flows/F/runs/1"),
    ("GET", "/flows/F/runs/1/parameters"),
    ("POST", "/flows/F/runs/1/heartbeat"),
    ("POST", "/flows/F/runs/1/finish"),
    ("POST", "/flows/F/runs/1/tags"),
    ("GET", "/flows/F/runs/1/steps"),
    ("GET", "/flows/F/runs/1/tasks"),
    ("POST", "/flows/F/runs/1/tasks"),
    ("POST", "/flows/F/runs/1/attempts"),
    ("POST", "/flows/F/runs/1/attempts/finish"),
    ("GET", "/flows/F/runs/1/tasks/1"),
    ("GET", "/flows/F/runs/1/tasks/1/attempts/0/artifacts"),
    ("GET", "/flows/F/runs/1/tasks/1/attempts/0/facts"),
    ("GET", "/flows/F/runs/1/steps/start/artifacts"),
    ("GET", f"/blobs/{'0' * 64}"),
    ("PUT", f"/blobs/{'0' * 64}"),
    ("POST", "/blobs/exists"),
    ("GET", "/no/such/route"),
]


def test_health_needs_no_token_and_reports_the_schema(api: Api) -> None:
    health = api.get("/health", auth=False)
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["schema_version"] == latest_version()
    assert body["database"] == "sqlite"


@pytest.mark.parametrize("method,path", ROUTES)
def test_every_route_needs_the_token(api: Api, method: str, path: str) -> None:
    assert error_of(api.request(method, path, auth=False)) == (401, "Unauthorized")
    wrong = api.request(method, path, token="test-token-124")
    assert error_of(wrong) == (401, "Unauthorized")
    assert wrong.headers["www-authenticate"] == "Bearer"
    basic = api.request(method, path, auth=False, headers={"Authorization": "Basic dGVzdA=="})
    assert error_of(basic) == (401, "Unauthorized")
    prefix = api.request(method, path, token="test-token-12")  # a prefix of the real token
    assert error_of(prefix) == (401, "Unauthorized")


def test_token_is_compared_in_constant_time() -> None:
    source = Path(flowscope.service.__file__).with_name("app.py").read_text()
    assert "hmac.compare_digest" in source


def test_without_a_token_configured_requests_pass(make_api: Callable[..., Api]) -> None:
    api = make_api(token=None)
    assert api.get("/flows").status_code == 200


def test_oversized_bodies_are_413(api: Api, store: SqlMetadataStore) -> None:
    big = {"user": "u", "parameters": {"x": "y" * 70_000}}
    assert error_of(api.post("/flows/F/runs", json=big)) == (413, "PayloadTooLarge")

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit still applies
        yield b'{"user": "u", "parameters": {"x": "'
        for _ in range(100):
            yield b"y" * 1000
        yield b'"}}'

    assert error_of(api.post("/flows/F/runs", content=chunks())) == (413, "PayloadTooLarge")
    assert store.list_runs("F").items == ()


@pytest.mark.parametrize(
    "body",
    [
        b"{bad json",
        b"",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe\x00",
        b"[" * 20_000 + b"]" * 20_000,
        b'{"user": "u", "created_at": NaN}',
        b'{"user": "u", "parameters": {"a": NaN}}',
        b'{"user": "u", "parameters": {"a": -Infinity}}',
    ],
)
def test_malformed_json_is_400(api: Api, body: bytes) -> None:
    response = api.post("/flows/F/runs", content=body)
    assert error_of(response) == (400, "BadRequest")


def test_bad_content_length_is_400(api: Api) -> None:
    response = api.post("/flows/F/runs", content=b"{}", headers={"Content-Length": "-5"})
    assert response.status_code == 400


def test_unknown_routes_and_methods_are_json(api: Api) -> None:
    assert error_of(api.get("/nope")) == (404, "NotFound")
    assert error_of(api.get("http://localhost/elsewhere")) == (404, "NotFound")
    assert error_of(api.request("DELETE", "/flows/F/runs/1")) == (405, "MethodNotAllowed")


def test_injection_attempts_in_filters_have_no_effect(api: Api, store: SqlMetadataStore) -> None:
    seed_run(store, user_tags=("a",))
    attacks = [
        "x' OR '1'='1",
        "'; DROP TABLE runs; --",
        'a" OR 1=1 --',
        "%",
        "_",
        "?",
        "%s",
        "$1",
        "\\",
        "a'); DELETE FROM runs; --",
    ]
    for attack in attacks:
        for params in (
            {"tag": attack},
            {"any_tag": attack},
            {"user": attack},
            {f"param.{attack}": attack},
            {"param.x": attack},
        ):
            response = api.get("/flows/F/runs", params=params)
            assert response.status_code == 200, (params, response.text)
            assert response.json()["items"] == []
        assert api.get("/flows", params={"tag": attack}).json() == {"flows": []}
    assert [r.run_id for r in store.list_runs("F").items] == [1]


class _Exploding(SqlMetadataStore):
    def list_flows(self, tag: str | None = None) -> list:  # type: ignore[type-arg]
        raise RuntimeError("secret detail: password=hunter2")

    def get_flow(self, flow_name: str) -> None:
        from flowscope.errors import DatabaseUnavailable

        raise DatabaseUnavailable("The metadata database postgresql://db/x is unavailable.")


def test_server_faults_are_generic_and_logged(
    make_api: Callable[..., Api], store: SqlMetadataStore, caplog: pytest.LogCaptureFixture
) -> None:
    exploding = _Exploding(store.db)
    api = make_api(store=exploding)
    with caplog.at_level(logging.ERROR, logger="flowscope.service"):
        response = api.get("/flows")
    assert error_of(response) == (500, "InternalError")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert "hunter2" in caplog.text  # the operator sees it in the log
    assert error_of(api.get("/flows/F")) == (503, "DatabaseUnavailable")


def test_the_service_never_unpickles() -> None:
    package = Path(flowscope.service.__file__).parent
    forbidden = re.compile(r"import (c?pickle|marshal|shelve|dill)|pickle\.|\beval\(|\bexec\(")
    for module in package.glob("*.py"):
        assert not forbidden.search(module.read_text()), module
