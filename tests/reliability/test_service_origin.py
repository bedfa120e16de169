"""A web page against a real `flowscope service` process: the tokenless "to try it" mode on
loopback, driven the way a hostile page in the user's browser could drive it. CORS-"simple"
POSTs (text/plain, form-encoded: a browser sends them cross-origin without a preflight) must
not change a run; a foreign Host (DNS rebinding) must not be served; a foreign Origin is
refused; the service's own names, and names given with --allowed-host, still work."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.new_records import NewRun
from pg import ServiceProcess

pytestmark = pytest.mark.service


class Service(ServiceProcess):
    """A service started without a token, or bound elsewhere, or with extra arguments."""

    def __init__(self, *args: Any, tokenless: bool = False, bind: str = "127.0.0.1", **kw: Any):
        super().__init__(*args, **kw)
        self.tokenless, self.bind = tokenless, bind

    def command(self) -> list[str]:
        command = super().command()
        command[command.index("--host") + 1] = self.bind
        if self.tokenless:
            at = command.index("--token-file")
            del command[at : at + 2]
        return command


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    started: list[Service] = []

    def start(**kw: Any) -> Service:
        root = tmp_path_factory.mktemp("svc-origin")
        service = Service(str(root / "metadata.db"), str(root / "blobs"), **kw)
        started.append(service)
        return service.start()  # type: ignore[return-value]

    yield start
    for service in started:
        service.cleanup()


def send(
    service: ServiceProcess,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    *,
    token: bool = False,
) -> tuple[int, dict[str, str], bytes]:
    """One request as a browser could send it (its own Host, Origin and Content-Type)."""
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=20)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        sent = {"Host": f"127.0.0.1:{service.port}", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {service.token}"
        if body is not None:
            sent["Content-Length"] = str(len(body))
        for name, value in sent.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def error_of(reply: tuple[int, dict[str, str], bytes]) -> tuple[int, str]:
    status, headers, body = reply
    assert headers["content-type"].startswith("application/json"), body
    assert "access-control-allow-origin" not in headers
    return status, json.loads(body)["error"]["type"]


def run_state(service: ServiceProcess, flow: str, run: int) -> Any:
    status, _, body = send(service, "GET", f"/api/v1/flows/{flow}/runs/{run}")
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope="module")
def tokenless(start: Any) -> tuple[Service, int]:
    service = start(tokenless=True)
    provider = HttpMetadataProvider(service.url)  # the real client still works
    try:
        run = provider.create_run(NewRun("PageFlow", "alice", user_tags=("keep",))).run_id
        provider.finish_run("PageFlow", run, "succeeded")
    finally:
        provider.close()
    return service, run


SIMPLE = [
    {"Content-Type": "text/plain"},
    {"Content-Type": "text/plain;charset=UTF-8"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
    {},
]


@pytest.mark.parametrize("headers", SIMPLE, ids=lambda h: h.get("Content-Type", "none"))
def test_simple_cross_origin_posts_change_nothing(
    tokenless: tuple[Service, int], headers: dict[str, str]
) -> None:
    service, run = tokenless
    before = run_state(service, "PageFlow", run)
    base = f"/api/v1/flows/PageFlow/runs/{run}"
    for path, payload in [
        (f"{base}/finish", {"status": "failed"}),
        (f"{base}/tags", {"add": ["pwned"]}),
        ("/api/v1/flows/PageFlow/runs", {"user": "mallory"}),
        ("/api/v1/blobs/exists", {"keys": []}),
    ]:
        for origin in ({}, {"Origin": "http://evil.example"}):
            reply = send(service, "POST", path, json.dumps(payload).encode(), headers | origin)
            assert error_of(reply)[0] in (403, 415), reply
    assert error_of(send(service, "POST", f"{base}/tags", b"{}", headers))[1] == (
        "UnsupportedMediaType"
    )
    assert run_state(service, "PageFlow", run) == before
    status, _, body = send(service, "GET", "/api/v1/flows/PageFlow/runs")
    assert [r["run_id"] for r in json.loads(body)["items"]] == [run]


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:{port}",
        "localhost.evil.example:{port}",
        "127.0.0.1.nip.io",
        "",
    ],
)
def test_a_rebound_host_is_not_served(tokenless: tuple[Service, int], host: str) -> None:
    service, run = tokenless
    headers = {"Host": host.format(port=service.port)}
    for path in ("/api/v1/flows", f"/api/v1/flows/PageFlow/runs/{run}", "/api/v1/health"):
        assert error_of(send(service, "GET", path, headers=headers)) == (421, "MisdirectedRequest")
    body = json.dumps({"status": "failed"}).encode()
    finish = f"/api/v1/flows/PageFlow/runs/{run}/finish"
    reply = send(service, "POST", finish, body, headers | {"Content-Type": "application/json"})
    assert error_of(reply)[0] == 421
    assert run_state(service, "PageFlow", run)["status"] == "succeeded"


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://127.0.0.1:1", "http://localhost:3000", "null", "file://"],
)
def test_a_foreign_origin_is_refused(tokenless: tuple[Service, int], origin: str) -> None:
    service, run = tokenless
    headers = {"Origin": origin, "Content-Type": "application/json"}
    path = f"/api/v1/flows/PageFlow/runs/{run}/tags"
    reply = send(service, "POST", path, b'{"add": ["x"]}', headers)
    assert error_of(reply) == (403, "CrossOriginRequest")
    assert error_of(send(service, "GET", "/api/v1/flows", headers={"Origin": origin}))[0] == 403
    assert "x" not in run_state(service, "PageFlow", run)["user_tags"]


def test_the_services_own_names_and_origin_are_served(tokenless: tuple[Service, int]) -> None:
    service, run = tokenless
    port = service.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "LOCALHOST"):
        status, _, body = send(service, "GET", "/api/v1/flows", headers={"Host": host})
        assert status == 200, (host, body)
    own = {"Origin": f"http://127.0.0.1:{port}", "Content-Type": "application/json"}
    status, _, body = send(
        service, "POST", f"/api/v1/flows/PageFlow/runs/{run}/tags", b'{"add": ["own"]}', own
    )
    assert status == 200, body
    assert "own" in run_state(service, "PageFlow", run)["user_tags"]


def test_allowed_host_names_a_service_behind_a_dns_name(start: Any, tmp_path: Path) -> None:
    service = start(extra_args=("--allowed-host", "flowscope.example"))
    token = True
    ok = send(service, "GET", "/api/v1/flows", headers={"Host": "flowscope.example"}, token=token)
    assert ok[0] == 200, ok
    behind = {"Host": "flowscope.example", "Origin": "https://flowscope.example"}
    assert send(service, "GET", "/api/v1/flows", headers=behind, token=token)[0] == 200
    other = {"Host": "other.example"}
    assert error_of(send(service, "GET", "/api/v1/flows", headers=other, token=token))[0] == 421
    # checked before the token: a rebound page learns nothing, with or without one
    assert error_of(send(service, "GET", "/api/v1/flows", headers=other))[0] == 421


def test_a_wildcard_bind_serves_its_addresses_but_not_foreign_names(start: Any) -> None:
    service = start(bind="0.0.0.0")
    for host in (f"127.0.0.1:{service.port}", "10.1.2.3", "localhost", "[fe80::1]"):
        status, _, body = send(service, "GET", "/api/v1/flows", headers={"Host": host}, token=True)
        assert status == 200, (host, body)
    reply = send(service, "GET", "/api/v1/flows", headers={"Host": "evil.example"}, token=True)
    assert error_of(reply)[0] == 421
