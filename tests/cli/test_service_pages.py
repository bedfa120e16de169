"""The UI's pages inside the service (cli/service_pages.py + service/app.py `pages`), in-process
over a SQLite store: behind the service's token with a login and a cookie, the API still
behind its bearer header and its own rules, mounted under the prefix too, open without a token."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from flowscope.cli import service_pages
from flowscope.datastore import LocalStorage
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.migrations import migrate
from flowscope.metastore.new_records import NewRun
from flowscope.metastore.store import SqlMetadataStore
from flowscope.service.app import create_app

TOKEN = "service-token-for-ui"
ORIGIN = {"origin": "http://localhost"}


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[SqlMetadataStore]:
    db = SqliteDatabase(tmp_path / "metadata.db")
    migrate(db)
    s = SqlMetadataStore(db)
    s.create_run(NewRun(flow_name="PagesFlow", user="alice", user_tags=("<script>x</script>",)))
    yield s
    s.close()


def _call(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            return await http.request(method, url, **kwargs)

    return asyncio.run(go())


def _app(store: SqlMetadataStore, tmp_path: Path, **kwargs: Any) -> Any:
    return create_app(
        store,
        blobs=LocalStorage(tmp_path / "blobs"),
        close_store=False,
        pages=service_pages.pages,
        **kwargs,
    )


def test_pages_behind_the_token_and_the_api_behind_its_header(
    store: SqlMetadataStore, tmp_path: Path
) -> None:
    app = _app(store, tmp_path, token=TOKEN)
    first = _call(app, "GET", "/ui/PagesFlow")
    assert first.status_code == 303 and first.headers["location"].startswith("/ui/-/login")
    wrong = _call(app, "POST", "/ui/-/login", data={"token": "nope"}, headers=ORIGIN)
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    login = _call(app, "POST", "/ui/-/login", data={"token": TOKEN}, headers=ORIGIN)
    assert login.status_code == 303
    found = re.search(r"flowscope_ui=([^;]*)", login.headers["set-cookie"])
    assert found and "HttpOnly" in login.headers["set-cookie"]
    cookie = {"cookie": f"flowscope_ui={found.group(1)}"}
    page = _call(app, "GET", "/ui/PagesFlow", headers=cookie)
    assert page.status_code == 200 and 'data-run="1"' in page.text
    assert "<script>x</script>" not in page.text and "&lt;script&gt;x" in page.text
    # the API never takes the cookie: its bearer header, and its own JSON rules, as before
    assert _call(app, "GET", "/api/v1/flows", headers=cookie).status_code == 401
    bearer = {"authorization": f"Bearer {TOKEN}"}
    assert _call(app, "GET", "/api/v1/flows", headers=bearer).status_code == 200
    form = _call(app, "POST", "/api/v1/flows/F/runs", data={"a": "1"}, headers=bearer)
    assert form.status_code == 415
    assert _call(app, "GET", "/ui/", headers={"host": "evil.example", **cookie}).status_code == 403
    assert _call(app, "GET", "/nothing").status_code in (401, 404)


def test_tag_edits_go_through_the_store(store: SqlMetadataStore, tmp_path: Path) -> None:
    from flowscope.ui.guard import csrf_token
    from flowscope.ui.login import csrf_secret

    app = _app(store, tmp_path, token=TOKEN)
    login = _call(app, "POST", "/ui/-/login", data={"token": TOKEN}, headers=ORIGIN)
    cookie = {"cookie": login.headers["set-cookie"].split(";")[0], **ORIGIN}
    csrf = csrf_token(csrf_secret(TOKEN), "PagesFlow/1")
    edit = _call(
        app, "POST", "/ui/-/tags/PagesFlow/1", data={"add": "ok", "csrf": csrf}, headers=cookie
    )
    assert edit.status_code == 303
    record = store.get_run("PagesFlow", 1)
    assert record is not None and "ok" in record.user_tags


def test_pages_under_the_prefix_link_there(store: SqlMetadataStore, tmp_path: Path) -> None:
    app = _app(store, tmp_path, token=TOKEN, prefix="/team")
    first = _call(app, "GET", "/team/ui/")
    assert first.status_code == 303 and first.headers["location"].startswith("/team/ui/-/login")
    login = _call(app, "POST", "/team/ui/-/login", data={"token": TOKEN}, headers=ORIGIN)
    assert "Path=/team/ui" in login.headers["set-cookie"]
    cookie = {"cookie": login.headers["set-cookie"].split(";")[0]}
    page = _call(app, "GET", "/team/ui/", headers=cookie)
    assert page.status_code == 200 and 'href="/team/ui/PagesFlow"' in page.text


def test_a_tokenless_service_needs_no_login(store: SqlMetadataStore, tmp_path: Path) -> None:
    app = _app(store, tmp_path)
    page = _call(app, "GET", "/ui/PagesFlow")
    assert page.status_code == 200 and 'id="logout"' not in page.text
    assert _call(app, "GET", "/ui/-/login").headers["location"] == "/ui/"
    assert _call(app, "GET", "/api/v1/flows").status_code == 200


def test_several_workers_share_the_session_and_the_csrf_secret(tmp_path: Path) -> None:
    """A real `flowscope service --workers 2`: whichever worker answers, the cookie one of
    them set is accepted, and the CSRF token one rendered is the one another checks."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from flowscope.ui.guard import csrf_token
    from flowscope.ui.login import csrf_secret
    from pg import ServiceProcess

    db = SqliteDatabase(tmp_path / "metadata.db")
    migrate(db)
    SqlMetadataStore(db).create_run(NewRun(flow_name="PagesFlow", user="alice"))
    db.close()
    service = ServiceProcess(str(tmp_path / "metadata.db"), str(tmp_path / "blobs"), workers=2)
    try:
        service.start(timeout=60)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        opener = urllib.request.build_opener(NoRedirect)
        body = urllib.parse.urlencode({"token": service.token}).encode()
        login = urllib.request.Request(
            f"{service.url}/ui/-/login", data=body, headers={"Origin": service.url}
        )
        try:
            opener.open(login, timeout=30)
            raise AssertionError("the login should redirect")
        except urllib.error.HTTPError as answer:
            assert answer.code == 303
            cookie = answer.headers["set-cookie"].split(";")[0]
        expected = csrf_token(csrf_secret(service.token), "PagesFlow/1")
        for _ in range(8):  # new connections: both workers answer some of them
            page = urllib.request.Request(
                f"{service.url}/ui/PagesFlow/1", headers={"Cookie": cookie}
            )
            with opener.open(page, timeout=30) as answer:
                assert answer.status == 200 and expected in answer.read().decode()
    finally:
        service.cleanup()


def test_the_service_serves_the_pages_unless_told_not_to() -> None:
    from flowscope.cli.service_cmd import _serve_parser

    base = ["--database", "x.db", "--blob-root", "blobs"]
    assert _serve_parser().parse_args(base).no_ui is False
    assert _serve_parser().parse_args([*base, "--no-ui"]).no_ui is True
    assert service_pages.available()  # the dev environment has the ui extra
