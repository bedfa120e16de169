"""The app factory: redirects to the pages, static files, the security headers on every
answer, Jinja2's autoescape, and the routes mounted under another prefix (as the service will
mount them)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount

from flowscope.ui import create_app, ui_routes
from flowscope.ui.app import environment
from flowscope.ui.guard import HostOriginGuard

from .conftest import Http


def test_redirects_and_static_files(client: Any) -> None:
    assert client.get("/").status_code == 307 and client.get("/").headers["location"] == "/ui/"
    assert client.get("/ui").headers["location"] == "/ui/"
    js = client.get("/ui/-/static/ui.js")
    assert js.status_code == 200 and "textContent" in js.text
    assert client.get("/ui/-/static/ui.css").status_code == 200
    outside = client.get("/ui/-/static/%2e%2e/app.py")
    assert outside.status_code in (400, 404) and "create_app" not in outside.text


def test_every_answer_carries_the_security_headers(client: Any) -> None:
    for url in ("/ui/", "/ui/NoSuchFlow", "/ui/-/static/ui.js", "/ui/-/api/run/HostileFlow/1"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "SAMEORIGIN"


def test_templates_escape_by_default() -> None:
    env = environment("/ui")
    rendered = env.from_string("{{ x }}").render(x='<script>"x"</script>')
    assert rendered == "&lt;script&gt;&#34;x&#34;&lt;/script&gt;"


def test_the_routes_mount_under_another_prefix(stores: Any) -> None:
    inner = Starlette(routes=[Mount("/team/ui", routes=ui_routes(stores, base="/team/ui"))])
    http = Http(HostOriginGuard(inner, ["127.0.0.1"]))
    page = http.get("/team/ui/HostileFlow/1")
    assert page.status_code == 200 and 'href="/team/ui/HostileFlow"' in page.text
    assert 'src="/team/ui/-/static/ui.js"' in page.text


def test_allowed_hosts_are_the_callers(stores: Any) -> None:
    app = create_app(stores, allowed_hosts=["ui.internal"])
    http = Http(app, base_url="http://ui.internal:8765")
    assert http.get("/ui/").status_code == 200
    assert Http(app).get("/ui/").status_code == 403  # 127.0.0.1 was not named
