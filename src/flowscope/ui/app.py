"""The web UI's app factory: server-rendered pages whose addresses mirror pathspecs.

    app = create_app(stores)                    # flowscope ui: the pages under /ui/
    routes = ui_routes(stores, secret=...)      # the same pages, to mount in another app

Pages (reading works with JavaScript off)::

    /ui/                         the flows          /ui/FLOW            its runs
    /ui/FLOW/RUN                 a run              /ui/FLOW/RUN/STEP   a step
    /ui/FLOW/RUN/STEP/TASK       a task             /ui/compare?runs=FLOW/1,FLOW/2

and under /ui/-/ (a name no flow can have): static files, the JSON the page script polls for
live updates (runs, logs), artifact previews, and the tag-edit form's POST. Every user string
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

if TYPE_CHECKING:
    from flowscope.stores import Stores

STATIC = Path(__file__).parent / "static"
Handler = Callable[[Request], Awaitable[Response]]


def environment(base: str) -> Environment:
    env = Environment(
        loader=PackageLoader("flowscope.ui", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["base"] = base
    env.filters["duration"] = pages.duration_filter
    env.filters["when"] = pages.when_filter
    env.filters["size"] = pages.size_filter
    return env


class UI:
    """The handlers, over one pair of stores; `secret` keys the CSRF tokens."""

    def __init__(self, stores: Stores, base: str, secret: bytes) -> None:
        self.stores = stores
        self.base = base
        self.secret = secret
        self.env = environment(base)

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


def ui_routes(stores: Stores, *, base: str = "/ui", secret: bytes | None = None) -> list[BaseRoute]:
    """The UI's routes, relative to where they are mounted (at `base`, which links use)."""
    ui = UI(stores, base.rstrip("/"), secret if secret is not None else secrets.token_bytes(32))
    view = pages.Pages(ui)
    g = ui.guarded
    return [
        Route("/", g(view.flows)),
        Mount("/-/static", app=StaticFiles(directory=STATIC), name="static"),
        Route("/-/api/run/{flow}/{run}", g(view.run_json)),
        Route("/-/api/log/{flow}/{run}/{step}/{task}", g(view.log_json)),
        Route("/-/preview/{flow}/{run}/{step}/{task}/{name}", g(view.preview)),
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
    allowed_hosts: Iterable[str] = LOOPBACK_NAMES,
    secret: bytes | None = None,
) -> Any:
    """The UI as an ASGI app: the pages under `base`, `/` redirecting there, behind the
    Host/Origin guard (allowed host names: loopback names unless told otherwise)."""
    base = "/" + base.strip("/")

    async def home(request: Request) -> Response:
        return RedirectResponse(f"{base}/", status_code=307)

    async def bare(request: Request) -> Response:
        return RedirectResponse(f"{base}/", status_code=308)

    app = Starlette(
        routes=[
            Route("/", home),
            Route(base, bare),
            Mount(base, routes=ui_routes(stores, base=base, secret=secret)),
        ]
    )
    return HostOriginGuard(app, allowed_hosts)
