"""The same-origin guard's pieces (service/guard.py): which Host names a bind serves, how a
Host header is read, and which Origins count as the service's own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from flowscope.service.guard import AllowedHosts, SameOriginGuard, split_host

from .helpers import Api, error_of


@pytest.mark.parametrize(
    "bind,extra,allowed,refused",
    [
        ("127.0.0.1", (), ["127.0.0.1", "localhost", "::1"], ["evil.example", "10.0.0.1", ""]),
        ("::1", (), ["::1", "localhost"], ["evil.example"]),
        ("localhost", (), ["localhost", "127.0.0.1"], ["127.0.0.1.nip.io"]),
        ("0.0.0.0", (), ["10.1.2.3", "fe80::1", "localhost"], ["evil.example"]),
        ("10.0.0.5", ("Flowscope.Example.",), ["10.0.0.5", "flowscope.example"], ["localhost"]),
        ("10.0.0.5", ("*",), ["anything.example", "10.9.9.9"], []),
    ],
)
def test_allowed_hosts_follow_the_bind(
    bind: str, extra: tuple[str, ...], allowed: list[str], refused: list[str]
) -> None:
    hosts = AllowedHosts.for_bind(bind, extra)
    assert all(hosts.allows(h) for h in allowed), hosts
    assert not any(hosts.allows(h) for h in refused), hosts


@pytest.mark.parametrize(
    "value,expected",
    [
        ("localhost:8080", ("localhost", 8080)),
        ("[::1]:80", ("::1", 80)),
        ("EXAMPLE.org.", ("example.org", None)),
        ("", None),
        ("a@b", None),
        ("host:99999", None),
        ("host/path", None),
        ("host:port", None),
    ],
)
def test_host_headers_are_parsed_strictly(value: str, expected: object) -> None:
    assert split_host(value) == expected


def _scope(headers: dict[str, str], method: str = "GET") -> dict[str, object]:
    return {
        "type": "http",
        "method": method,
        "scheme": "http",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }


@pytest.mark.parametrize(
    "origin,ok",
    [
        ("http://localhost:8080", True),
        ("http://localhost:8081", False),
        ("https://localhost:8080", False),
        ("http://ui.example", True),  # an --allowed-host name, any port
        ("http://evil.example:8080", False),
        ("null", False),
    ],
)
def test_only_the_services_own_origin_passes(origin: str, ok: bool) -> None:
    guard = SameOriginGuard(lambda *a: None, AllowedHosts.for_bind("127.0.0.1", ["ui.example"]))  # type: ignore[arg-type,return-value]
    refusal = guard.check(_scope({"Host": "localhost:8080", "Origin": origin}))  # type: ignore[arg-type]
    assert (refusal is None) == ok, refusal


def test_the_app_refuses_before_the_token_check(make_api: Callable[..., Api]) -> None:
    api = make_api()
    assert error_of(api.get("/flows", headers={"Host": "evil.example"})) == (
        421,
        "MisdirectedRequest",
    )
    plain = {"Content-Type": "text/plain"}
    assert error_of(api.post("/flows/F/runs", content=b"{}", headers=plain, auth=False)) == (
        415,
        "UnsupportedMediaType",
    )
    assert error_of(api.post("/flows/F/runs", json={"user": "u"}, auth=False)) == (
        401,
        "Unauthorized",
    )
