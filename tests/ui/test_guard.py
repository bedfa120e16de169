"""Host and Origin checks, CSRF tokens (guard.py), as pure calls."""

from __future__ import annotations

import pytest

from flowscope.ui.guard import LOOPBACK_NAMES, HostOriginGuard, check_csrf, csrf_token, host_name


async def _app(scope: object, receive: object, send: object) -> None:  # never reached in these
    raise AssertionError


GUARD = HostOriginGuard(_app, LOOPBACK_NAMES)


@pytest.mark.parametrize(
    "host, name",
    [("127.0.0.1:8765", "127.0.0.1"), ("LOCALHOST", "localhost"), ("[::1]:80", "::1"),
     ("evil.example:8765", "evil.example")],
)  # fmt: skip
def test_host_name(host: str, name: str) -> None:
    assert host_name(host) == name


@pytest.mark.parametrize(
    "method, headers, refused",
    [
        ("GET", {"host": "127.0.0.1:8765"}, False),
        ("GET", {"host": "localhost:1"}, False),
        ("GET", {"host": "evil.example:8765"}, True),  # DNS rebinding
        ("GET", {"host": "127.0.0.1.evil.example"}, True),
        ("GET", {}, True),
        ("GET", {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:8765"}, False),
        ("GET", {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:9999"}, True),
        ("GET", {"host": "127.0.0.1:8765", "origin": "http://evil.example"}, True),
        ("POST", {"host": "127.0.0.1:8765", "origin": "http://127.0.0.1:8765"}, False),
        ("POST", {"host": "127.0.0.1:8765"}, True),  # no Origin, no Referer
        ("POST", {"host": "127.0.0.1:8765", "referer": "http://127.0.0.1:8765/ui/F/1"}, False),
        ("POST", {"host": "127.0.0.1:8765", "referer": "http://evil.example/ui/F/1"}, True),
        ("POST", {"host": "127.0.0.1:8765", "origin": "null"}, True),
        ("POST", {"host": "127.0.0.1:8765", "origin": "javascript:alert(1)"}, True),
    ],
)
def test_requests_refused(method: str, headers: dict[str, str], refused: bool) -> None:
    assert (GUARD.problem(method, headers) is not None) is refused


def test_csrf_tokens_are_per_target_and_per_secret() -> None:
    token = csrf_token(b"s" * 32, "F/1")
    assert check_csrf(b"s" * 32, "F/1", token)
    assert not check_csrf(b"s" * 32, "F/2", token)
    assert not check_csrf(b"t" * 32, "F/1", token)
    assert not check_csrf(b"s" * 32, "F/1", None)
    assert not check_csrf(b"s" * 32, "F/1", token[:-1])
