"""The token gate (login.py): the session cookie's rules as pure calls, and the login, pages,
tag edits and logout of a UI behind a token, in-process over real runs of the hostile flow."""

from __future__ import annotations

import re
from typing import Any

import pytest

from flowscope.ui.guard import csrf_token
from flowscope.ui.login import COOKIE, Session, cookie_header, csrf_secret, safe_next

from .conftest import Http

TOKEN = "s3cret-token-for-tests"
SAME = {"origin": "http://127.0.0.1:8765"}


def test_session_values_are_macs_that_expire_and_name_no_token() -> None:
    session = Session(TOKEN, lifetime=60)
    value = session.issue(now=1000.0)
    assert TOKEN not in value and value.startswith("1060.")
    assert session.valid(value, now=1059.0)
    assert not session.valid(value, now=1060.0)  # expired
    assert not Session("another-token").valid(value, now=1000.0)
    assert not session.valid("9999999999." + value.split(".")[1], now=1000.0)  # expiry changed
    for bad in ("", ".", "abc.def", "1060", "1060." + "0" * 64, "1" * 40 + ".x", "1060.\u00e9"):
        assert not session.valid(bad, now=1000.0), bad
    assert session.token_matches(TOKEN) and not session.token_matches(TOKEN + "x")
    assert not session.token_matches("")


def test_cookie_attributes() -> None:
    plain = cookie_header("/ui", "v", 60, secure=False)
    assert plain == f"{COOKIE}=v; Path=/ui; Max-Age=60; HttpOnly; SameSite=Strict"
    assert cookie_header("/team/ui", "v", 60, secure=True).endswith("; Secure")


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/ui/F/1?x=1", "/ui/F/1?x=1"),
        ("//evil.example/ui/", "/ui/"),
        ("https://evil.example/ui/", "/ui/"),
        ("/uix", "/ui/"),
        ("/api/v1/flows", "/ui/"),
        ("/ui/\\evil.example", "/ui/"),
        (None, "/ui/"),
    ],
)
def test_after_login_only_this_uis_pages(target: str | None, expected: str) -> None:
    assert safe_next("/ui", target) == expected


@pytest.fixture
def gated(stores: Any) -> Http:
    from flowscope.ui import create_app

    return Http(create_app(stores, token=TOKEN))


def _login(http: Http, token: str = TOKEN, next_: str = "/ui/HostileFlow") -> Any:
    return http.post("/ui/-/login", data={"token": token, "next": next_}, headers=SAME)


def _cookie(answer: Any) -> str:
    found = re.search(rf"{COOKIE}=([^;]*)", answer.headers.get("set-cookie", ""))
    assert found, answer.headers
    return f"{COOKIE}={found.group(1)}"


def test_pages_need_the_login(gated: Http) -> None:
    page = gated.get("/ui/HostileFlow/1?x=1")
    assert page.status_code == 303
    assert page.headers["location"] == "/ui/-/login?next=%2Fui%2FHostileFlow%2F1%3Fx%3D1"
    assert gated.get("/ui/-/api/run/HostileFlow/1").status_code == 401
    assert (
        gated.post("/ui/-/tags/HostileFlow/1", data={"add": "x"}, headers=SAME).status_code == 401
    )
    login = gated.get("/ui/-/login", params={"next": "/ui/HostileFlow"})
    assert login.status_code == 200 and 'name="token"' in login.text
    assert 'value="/ui/HostileFlow"' in login.text and 'id="logout"' not in login.text
    assert gated.get("/ui/-/static/ui.css").status_code == 200


def test_a_wrong_token_is_refused_and_sets_no_cookie(gated: Http) -> None:
    for token in ("wrong", "", TOKEN[:-1], "x" * 5000):
        answer = _login(gated, token)
        assert answer.status_code == 401, token
        assert "set-cookie" not in answer.headers
        assert "That token was refused" in answer.text


def test_login_sets_a_strict_httponly_cookie_and_pages_then_read(gated: Http) -> None:
    answer = _login(gated)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/HostileFlow"
    header = answer.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/ui" in header
    assert "Secure" not in header and TOKEN not in header  # served over http; a MAC
    cookie = {"cookie": _cookie(answer)}
    for path in ("/ui/", "/ui/HostileFlow", "/ui/HostileFlow/1", "/ui/HostileFlow/1/start"):
        page = gated.get(path, headers=cookie)
        assert page.status_code == 200, path
        assert 'id="logout"' in page.text
    assert gated.get("/ui/-/api/run/HostileFlow/1", headers=cookie).status_code == 200
    bearer = {"authorization": f"Bearer {TOKEN}"}
    assert gated.get("/ui/HostileFlow", headers=bearer).status_code == 200
    forged = {"cookie": f"{COOKIE}=9999999999.{'0' * 64}"}
    assert gated.get("/ui/HostileFlow", headers=forged).status_code == 303


def test_login_over_https_sets_a_secure_cookie(stores: Any) -> None:
    from flowscope.ui import create_app

    https = Http(create_app(stores, token=TOKEN), base_url="https://127.0.0.1:8765")
    answer = https.post(
        "/ui/-/login", data={"token": TOKEN}, headers={"origin": "https://127.0.0.1:8765"}
    )
    assert answer.status_code == 303 and "; Secure" in answer.headers["set-cookie"]


def test_login_and_logout_are_same_origin_writes(gated: Http) -> None:
    no_origin = gated.post("/ui/-/login", data={"token": TOKEN})
    assert no_origin.status_code == 403 and "set-cookie" not in no_origin.headers
    evil = gated.post(
        "/ui/-/login", data={"token": TOKEN}, headers={"origin": "http://evil.example"}
    )
    assert evil.status_code == 403
    cookie = {"cookie": _cookie(_login(gated)), **SAME}
    out = gated.post("/ui/-/logout", headers=cookie)
    assert out.status_code == 303 and out.headers["location"] == "/ui/-/login"
    assert "Max-Age=0" in out.headers["set-cookie"] and f"{COOKIE}=;" in out.headers["set-cookie"]


def test_tag_edits_with_the_cookie_still_need_csrf(gated: Http) -> None:
    cookie = {"cookie": _cookie(_login(gated)), **SAME}
    url = "/ui/-/tags/HostileFlow/1"
    assert gated.post(url, data={"add": "x", "csrf": "0" * 64}, headers=cookie).status_code == 403
    token = csrf_token(csrf_secret(TOKEN), "HostileFlow/1")
    page = gated.get("/ui/HostileFlow/1", headers=cookie).text
    assert token in page  # the secret comes from the token: every worker renders the same
    added = gated.post(url, data={"add": "via-cookie", "csrf": token}, headers=cookie)
    assert added.status_code == 303
    assert "via-cookie" in gated.get("/ui/HostileFlow/1", headers=cookie).text
    removed = gated.post(url, data={"remove": "via-cookie", "csrf": token}, headers=cookie)
    assert removed.status_code == 303
    no_cookie = gated.post(url, data={"add": "y", "csrf": token}, headers=SAME)
    assert no_cookie.status_code == 401


def test_a_ui_without_a_token_needs_no_login(client: Http) -> None:
    assert client.get("/ui/HostileFlow").status_code == 200
    assert 'id="logout"' not in client.get("/ui/").text
    assert client.get("/ui/-/login").headers["location"] == "/ui/"
