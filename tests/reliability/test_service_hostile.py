"""Hostile requests to a real `flowscope service` process (uvicorn, PostgreSQL), over the
loopback socket: no token, wrong token, oversized bodies (with a length, and chunked),
malformed JSON, unknown routes and methods, path traversal, injection attempts in filters,
and a fuzz. Each gets the right 4xx with a JSON error and no traceback; the stored rows and
blob files are the same afterwards. (tests/service/test_api_security.py and test_api_fuzz.py
cover the same ground in process, through the ASGI app; this is the real server.)"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pg import METADATA_TABLES, PgServer, ServiceFactory, ServiceProcess

from .helpers import make_project

pytestmark = pytest.mark.service

MAX_BODY = 1 << 20  # the service below runs with --max-body-mb 1


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes

    def error(self) -> tuple[int, str]:
        """(status, error type) of a JSON error answer; fails on anything else."""
        assert self.content_type.startswith("application/json"), self
        payload = json.loads(self.body)
        assert set(payload) == {"error"} and set(payload["error"]) == {"type", "message"}, payload
        assert payload["error"]["message"], payload
        assert b"Traceback" not in self.body and b'File "' not in self.body, self.body
        return self.status, payload["error"]["type"]


class Raw:
    """Requests as bytes on the wire, one connection each (no client-side normalisation)."""

    def __init__(self, service: ServiceProcess) -> None:
        self.port = service.port
        self.token = service.token

    def __call__(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        token: str | None | bool = True,
        headers: dict[str, str] | None = None,
        chunked: bool = False,
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            sent = dict(headers or {})
            if token is True:
                sent["Authorization"] = f"Bearer {self.token}"
            elif isinstance(token, str):
                sent["Authorization"] = token
            if chunked:
                conn.putrequest(method, path, skip_accept_encoding=True)
                for name, value in sent.items():
                    conn.putheader(name, value)
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                data = body or b""
                try:
                    for i in range(0, len(data), 1 << 16):
                        part = data[i : i + (1 << 16)]
                        conn.send(b"%x\r\n" % len(part) + part + b"\r\n")
                    conn.send(b"0\r\n\r\n")
                except OSError:
                    pass  # the server answered (413) and closed before we finished sending
            else:
                conn.request(method, path, body=body, headers=sent)
            resp = conn.getresponse()
            return Reply(resp.status, resp.getheader("content-type") or "", resp.read())
        finally:
            conn.close()


@dataclass
class Served:
    service: ServiceProcess
    raw: Raw
    blobs: Path

    def state(self) -> tuple[dict[str, int], list[str]]:
        import psycopg

        with psycopg.connect(self.service.database, autocommit=True) as conn:
            rows = {
                t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                for t in METADATA_TABLES
            }
        files = sorted(str(p.relative_to(self.blobs)) for p in self.blobs.rglob("*"))
        return rows, files


@pytest.fixture(scope="module")
def served(
    pg_server: PgServer, service_factory: ServiceFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("svc-hostile")
    blobs = base / "blobs"
    service = service_factory(
        pg_server.create_database(), str(blobs), extra_args=("--max-body-mb", "1")
    )
    project = make_project(
        base / "project", FLOWSCOPE_SERVICE_URL=service.url, FLOWSCOPE_SERVICE_TOKEN=service.token
    )
    result = project.run("wide", "run", "--n", "2", "--tag", "keep")
    assert result.code == 0, result.output
    yield Served(service, Raw(service), blobs)


@pytest.fixture
def unchanged(served: Served) -> Iterator[Served]:
    before = served.state()
    yield served
    assert served.state() == before, "a refused request changed stored data"
    log = served.service.log()
    assert "Traceback" not in log, log


RUN_BODY = json.dumps({"user": "mallory"}).encode()
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "token",
    [False, "Bearer wrong", "Basic abc", "Bearer", "Bearer  ", "bearer-token", "Bearer x\tx"],
    ids=repr,
)
@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/api/v1/flows", None),
        ("GET", "/api/v1/flows/WideFlow/runs", None),
        ("POST", "/api/v1/flows/WideFlow/runs", RUN_BODY),
        ("POST", "/api/v1/flows/WideFlow/runs/1/tags", json.dumps({"add": ["x"]}).encode()),
        ("PUT", "/api/v1/blobs/" + "0" * 64, b"data"),
        ("GET", "/api/v1/nope", None),
    ],
)
def test_requests_without_the_token_are_401(
    unchanged: Served, token: Any, method: str, path: str, body: bytes | None
) -> None:
    assert unchanged.raw(method, path, body, token=token, headers=JSON).error()[0] == 401


def test_the_token_in_the_query_string_is_not_accepted(unchanged: Served) -> None:
    raw = unchanged.raw
    assert raw("GET", f"/api/v1/flows?token={raw.token}", token=False).error()[0] == 401


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_bodies_are_413(unchanged: Served, chunked: bool) -> None:
    big = b'{"user": "' + b"x" * (2 * MAX_BODY) + b'"}'
    reply = unchanged.raw("POST", "/api/v1/flows/WideFlow/runs", big, headers=JSON, chunked=chunked)
    assert reply.error() == (413, "PayloadTooLarge")


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"\xff\xfe",
        b"[]",
        b"null",
        b'"x"',
        b"",
        b"{}" * 3,
        b'{"user": 1}',
        b'{"user": "u", "user_tags": "t"}',
        b'{"user": "u", "user_tags": [""]}',
        b'{"user": "u", "parameters": []}',
    ],
    ids=repr,
)
def test_malformed_bodies_are_400(unchanged: Served, body: bytes) -> None:
    status, _ = unchanged.raw("POST", "/api/v1/flows/WideFlow/runs", body, headers=JSON).error()
    assert status == 400


@pytest.mark.parametrize(
    "method,path,expected",
    [
        ("GET", "/api/v1/nope", 404),
        ("GET", "/api/v2/flows", 404),
        ("GET", "/", 404),
        ("GET", "/api/v1/flows/WideFlow/runs/1/../../../etc", 404),
        ("GET", "/api/v1/blobs/..%2f..%2fetc%2fpasswd", 404),
        ("GET", "/api/v1/blobs/../../x", 404),
        ("PUT", "/api/v1/blobs/../x", 404),
        ("GET", "/api/v1/blobs/" + "g" * 64, 400),
        ("GET", "/api/v1/flows/%00", 400),
        ("GET", "/api/v1/flows/" + "x" * 5000, 400),
        ("GET", "/api/v1/flows/WideFlow/runs/0", 400),
        ("GET", "/api/v1/flows/WideFlow/runs/-1", 400),
        ("GET", "/api/v1/flows/WideFlow/runs/" + "9" * 30, 400),
        ("DELETE", "/api/v1/flows", 405),
        ("PATCH", "/api/v1/flows/WideFlow/runs/1", 405),
        ("GET", "/api/v1/flows/Nope", 404),
    ],
)
def test_unknown_routes_methods_and_bad_ids(
    unchanged: Served, method: str, path: str, expected: int
) -> None:
    assert unchanged.raw(method, path, headers=JSON).error()[0] == expected
    if method in ("PUT", "PATCH"):  # without a content type, the same-origin guard answers
        assert unchanged.raw(method, path).error() == (415, "UnsupportedMediaType")


@pytest.mark.parametrize(
    "query,expected",
    [
        ("tag=' OR 1=1 --", 200),
        ("tag=keep' OR '1'='1", 200),
        ("user=x' OR '1'='1", 200),
        ("user=tester'--", 200),
        ("param.n=1 OR 1=1", 200),
        ("param.n=2; DROP TABLE runs", 200),
        ("any_tag=%", 200),
        ("any_tag=_", 200),
        ("status=succeeded' --", 400),
        ("since=0 OR 1=1", 400),
        ("limit=1;DROP TABLE runs", 400),
        ("cursor=1) OR (1=1", 400),
        ("tag=", 400),
        ("tag=" + "x" * 501, 400),
    ],
)
def test_injection_attempts_in_filters_match_nothing(
    unchanged: Served, query: str, expected: int
) -> None:
    encoded = "&".join(
        f"{k}={urllib.parse.quote(v)}" for k, v in (part.split("=", 1) for part in query.split("&"))
    )
    reply = unchanged.raw("GET", f"/api/v1/flows/WideFlow/runs?{encoded}")
    if expected == 200:
        assert reply.status == 200, reply
        assert json.loads(reply.body)["items"] == []
    else:
        assert reply.error()[0] == 400


def test_the_stored_run_is_intact_and_still_served(unchanged: Served) -> None:
    reply = unchanged.raw("GET", "/api/v1/flows/WideFlow/runs?tag=keep")
    items = json.loads(reply.body)["items"]
    assert [(r["run_id"], r["status"]) for r in items] == [(1, "succeeded")]


# ---- fuzz over the real server -----------------------------------------------------------

SEGMENTS = st.one_of(
    st.text(min_size=1, max_size=20).map(lambda t: urllib.parse.quote(t, safe="")),
    st.sampled_from(
        [
            "..",
            "%2e%2e",
            "%00",
            "1",
            "0",
            "WideFlow",
            "start",
            "9" * 25,
            "a" * 64,
            "%27%20OR%201%3D1%20--",
            "%2F",
        ]
    ),
)
ROUTES = [
    "/flows/{a}",
    "/flows/{a}/runs",
    "/flows/WideFlow/runs/{a}",
    "/flows/WideFlow/runs/{a}/steps",
    "/flows/WideFlow/runs/1/tasks/{a}",
    "/flows/WideFlow/runs/1/steps/{a}/artifacts",
    "/blobs/{a}",
    "/{a}",
]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(ROUTES),
    a=SEGMENTS,
    query=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "tag",
                    "any_tag",
                    "user",
                    "status",
                    "since",
                    "limit",
                    "cursor",
                    "step",
                    "param.n",
                    "x",
                ]
            ),
            st.text(max_size=15),
        ),
        max_size=3,
    ),
    write=st.sampled_from(["GET", "POST", "PUT"]),
    body=st.one_of(st.binary(max_size=100), st.just(RUN_BODY)),
)
def test_fuzz_reads_with_a_token_and_writes_without_one(
    unchanged: Served, route: str, a: str, query: list[tuple[str, str]], write: str, body: bytes
) -> None:
    path = "/api/v1" + route.format(a=a)
    qs = urllib.parse.urlencode(query)
    reply = unchanged.raw("GET", f"{path}?{qs}" if qs else path)
    assert reply.status < 500, reply
    if reply.status >= 400:
        reply.error()
    if write != "GET":  # any write without the token is refused before it is looked at
        assert unchanged.raw(write, path, body, token=False, headers=JSON).error()[0] == 401
