"""The one same-origin rule (web/origin.py) both servers apply: the API's JSON writes and the
UI's same-origin writes, over the same Host and Origin checks."""

from __future__ import annotations

import pytest

from flowscope.web.origin import AllowedHosts, check_request

HOSTS = AllowedHosts.for_bind("127.0.0.1", ["ui.example"])


def _check(method: str, headers: dict[str, str], writes: str, scheme: str = "http") -> object:
    raw = {k.encode(): v.encode() for k, v in headers.items()}
    refusal = check_request(method, raw, scheme, HOSTS, writes=writes)  # type: ignore[arg-type]
    return None if refusal is None else refusal.status


@pytest.mark.parametrize("writes", ["json", "same-origin"])
@pytest.mark.parametrize(
    "headers, status",
    [
        ({"host": "localhost:8080"}, None),
        ({"host": "evil.example:8080"}, 421),  # DNS rebinding
        ({}, 421),
        ({"host": "localhost:8080", "origin": "http://localhost:8080"}, None),
        ({"host": "localhost:8080", "origin": "http://localhost"}, 403),  # another port
        ({"host": "localhost:8080", "origin": "https://localhost:8080"}, 403),  # another scheme
        ({"host": "localhost:8080", "origin": "null"}, 403),
        ({"host": "localhost:8080", "origin": "http://ui.example:1"}, None),  # allowed name
    ],
)
def test_reads_follow_one_rule_on_both_sides(
    writes: str, headers: dict[str, str], status: int | None
) -> None:
    assert _check("GET", headers, writes) == status


@pytest.mark.parametrize(
    "headers, json_status, same_origin_status",
    [
        ({"content-type": "application/json"}, None, 403),  # no Origin nor Referer: not a page's
        ({"content-type": "text/plain", "origin": "http://localhost:8080"}, 415, None),
        ({"content-type": "application/x-www-form-urlencoded",
          "referer": "http://localhost:8080/ui/F/1"}, 415, None),
        ({"content-type": "application/json", "referer": "http://evil.example/"}, None, 403),
    ],
)  # fmt: skip
def test_writes_follow_each_sides_rule(
    headers: dict[str, str], json_status: int | None, same_origin_status: int | None
) -> None:
    headers = {"host": "localhost:8080", **headers}
    assert _check("POST", headers, "json") == json_status
    assert _check("POST", headers, "same-origin") == same_origin_status


def test_https_pages_are_their_own_origin() -> None:
    headers = {"host": "localhost", "origin": "https://localhost"}
    assert _check("POST", headers, "same-origin", scheme="https") is None
    assert _check("POST", headers, "same-origin", scheme="http") == 403
