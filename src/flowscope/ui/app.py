"""The web UI's app factory: server-rendered pages whose addresses mirror pathspecs.

    app = create_app(stores)                    # flowscope ui: the pages under /ui/
    app = create_app(stores, token=T, allowed_hosts=hosts)   # behind a token (the service)
    routes = ui_routes(stores, secret=...)      # the same pages, to mount in another app

Pages (reading works with JavaScript off)::

    /ui/                         the flows          /ui/FLOW            its runs
    /ui/FLOW/RUN                 a run              /ui/FLOW/RUN/STEP   a step
    /ui/FLOW/RUN/STEP/TASK       a task             /ui/compare?runs=FLOW/1,FLOW/2

and under /ui/-/ (a name no flow can have): static files, the JSON the page script polls for
live updates (runs, logs), artifact previews, a task's cards (cards.py: each in a sandboxed
frame), the tag-edit form's POST, and the login page
(login.py: with a token, every other page needs the session cookie it sets). Every user string
reaches the page through Jinja2 with autoescape on, or through the escaping SVG renderers.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from flowscope.errors import FlowscopeError, ObjectNotFound
from flowscope.ui import pages
from flowscope.ui.guard import LOOPBACK_NAMES, HostOriginGuard
from flowscope.ui.login import Login, Session, TokenGate, csrf_secret

if TYPE_CHECKING:
    from flowscope.stores import Stores
    from flowscope.web.origin import AllowedHosts

STATIC = Path(__file__).parent / "static"
Handler = Callable[[Request], Awaitable[Response]]


def environment(base: str, gate: bool = False) -> Environment:
    env = Environment(
        loader=PackageLoader("flowscope.ui", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["base"] = base
    env.globals["gate"] = gate  # behind a token: pages show the logout button
    env.filters["duration"] = pages.duration_filter
    env.filters["when"] = pages.when_filter
    env.filters["size"] = pages.size_filter
    return env


class UI:
    """The handlers, over one pair of stores; `secret` keys the CSRF tokens."""

    def __init__(self, stores: Stores, base: str, secret: bytes, gate: bool = False) -> None:
        from flowscope.client.datastores import RunDatastores
        from flowscope.config import Settings

        self.stores = stores
        self.datastore_for = RunDatastores(stores, Settings.from_env())  # a run's own datastore
        self.base = base
        self.secret = secret
        self.env = environment(base, gate)

    def render(self, template: str, code: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(**context)
        return HTMLResponse(html, status_code=code)

    def guarded(self, handler: Callable[[Request], Response]) -> Handler:
        """Run a blocking handler in a thread; FlowscopeErrors become 404/400 pages."""
        from starlette.concurrency import run_in_threadpool

        async def endpoint(request: Request) -> Response:
            try:
                return await run_in_threadpool(handler, request)
            except ObjectNotFound as exc:
                return self.error(request, 404, exc)
            except FlowscopeError as exc:
                return self.error(request, 400, exc)

        return endpoint

    def error(self, request: Request, status: int, exc: Exception) -> Response:
        message = str(exc).strip("'\"") if isinstance(exc, KeyError) else str(exc)
        if request.url.path.startswith(f"{self.base}/-/api/"):
            return JSONResponse({"error": message}, status_code=status)
        return self.render("error.html", status, status=status, message=message)


def ui_routes(
    stores: Stores,
    *,
    base: str = "/ui",
    secret: bytes | None = None,
    session: Session | None = None,
) -> list[BaseRoute]:
    """The UI's routes, relative to where they are mounted (at `base`, which links use).
    With a `session` the mounter puts the pages behind `login.TokenGate` with it."""
    key = secret if secret is not None else secrets.token_bytes(32)
    ui = UI(stores, base.rstrip("/"), key, gate=session is not None)
    view = pages.Pages(ui)
    login = Login(ui, session)
    g = ui.guarded
    return [
        Route("/", g(view.flows)),
        Route("/-/login", g(login.page), methods=["GET"]),
        Route("/-/login", _form(ui, login.submit), methods=["POST"]),
        Route("/-/logout", g(login.logout), methods=["POST"]),
        Mount("/-/static", app=StaticFiles(directory=STATIC), name="static"),
        Route("/-/api/run/{flow}/{run}", g(view.run_json)),
        Route("/-/api/log/{flow}/{run}/{step}/{task}", g(view.log_json)),
        Route("/-/preview/{flow}/{run}/{step}/{task}/{name}", g(view.preview)),
        Route("/-/card/{flow}/{run}/{step}/{task}/{index}", g(view.card)),
        Route("/-/tags/{flow}/{run}", _form(ui, view.tags), methods=["POST"]),
        Route("/compare", g(view.compare)),
        Route("/{flow}", g(view.runs)),
        Route("/{flow}/{run}", g(view.run)),
        Route("/{flow}/{run}/{step}", g(view.step)),
        Route("/{flow}/{run}/{step}/{task}", g(view.task)),
    ]


def _form(ui: UI, handler: Callable[[Request, dict[str, list[str]]], Response]) -> Handler:
    """A POST of a small url-encoded form (64 KiB at most), parsed without extra packages."""
    from urllib.parse import parse_qs

    async def read(request: Request) -> Response:
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            return ui.error(request, 415, FlowscopeError("Send the form url-encoded."))
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > 65536:
                return ui.error(request, 413, FlowscopeError("The form is too large."))
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return await ui.guarded(lambda r: handler(r, fields))(request)

    return read


def create_app(
    stores: Stores,
    *,
    base: str = "/ui",
    allowed_hosts: Iterable[str] | AllowedHosts = LOOPBACK_NAMES,
    secret: bytes | None = None,
    token: str | None = None,
) -> Any:
    """The UI as an ASGI app: the pages under `base`, `/` redirecting there, behind the
    Host/Origin guard (allowed host names: loopback names unless told otherwise) and, with a
    `token`, behind the login (login.py; the CSRF secret is then derived from the token)."""
    base = "/" + base.strip("/")
    session = Session(token) if token else None
    if secret is None and token:
        secret = csrf_secret(token)

    async def home(request: Request) -> Response:
        return RedirectResponse(f"{base}/", status_code=307)

    async def bare(request: Request) -> Response:
        return RedirectResponse(f"{base}/", status_code=308)

    app = Starlette(
        routes=[
            Route("/", home),
            Route(base, bare),
            Mount(base, routes=ui_routes(stores, base=base, secret=secret, session=session)),
        ]
    )
    inner = TokenGate(app, session, base) if session is not None else app
    return HostOriginGuard(inner, allowed_hosts)
