"""The metadata service as an ASGI app: `create_app(store, ...)`.

Routes live under /api/v1 (see routes_runs, routes_tasks, routes_blobs, routes_query); `GET /api/v1/health`
needs no token and reports the schema version. With a token configured every other request
must carry `Authorization: Bearer <token>`, compared in constant time; otherwise 401. Before
that, every request must pass the same-origin guard (guard.py: Host, Origin, JSON writes).
Errors are JSON (`wire.py`), 500s are generic and logged, nothing is ever unpickled. The app
keeps no state between requests beyond the store's connection pool, so several instances
can serve one PostgreSQL.

A web front end (the UI's pages, built by the CLI: the service never imports them) may be
handed in as `pages`: it is mounted at `/ui` (and `{prefix}/ui`) beside the API, sees the
service's store, blobs, token and allowed hosts (`Served`), and applies its own same-origin
rule and its own token check (a login and a cookie), so it is not behind the API's.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from flowscope.metastore.store import SqlMetadataStore
from flowscope.service import routes_blobs, routes_query, routes_runs, routes_tasks
from flowscope.service.context import (
    DEFAULT_MAX_BLOB,
    DEFAULT_MAX_BLOB_DECODED,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_FILTERS,
    ServiceContext,
)
from flowscope.service.guard import AllowedHosts, SameOriginGuard
from flowscope.service.wire import error_response, exception_response, json_response
from flowscope.stores import normalize_address

if TYPE_CHECKING:
    from flowscope.datastore import BlobStorage

API_PREFIX = "/api/v1"
HEALTH_PATH = f"{API_PREFIX}/health"
SERVICE_VERSION = 1
PAGES_PATH = "/ui"


@dataclass(frozen=True)
class Served:
    """What a web front end mounted in the service is handed: the service's own parts."""

    store: SqlMetadataStore
    blobs: BlobStorage | None
    token: str | None  # None: a tokenless (loopback) service, whose pages need no login
    hosts: AllowedHosts
    base: str  # where the pages are mounted: "/ui", or "{prefix}/ui"


PagesFactory = Callable[[Served], ASGIApp]


class PathDispatch:
    """Pure ASGI: requests under one of `mounts`' paths go to that app, the rest to `app`."""

    def __init__(self, app: ASGIApp, mounts: dict[str, ASGIApp]) -> None:
        self.app, self.mounts = app, mounts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            for base, mounted in self.mounts.items():
                if path == base or path.startswith(base + "/"):
                    await mounted(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _digest(token: str) -> bytes:
    # comparing fixed-length digests keeps even the token's length out of the timing
    return hashlib.sha256(token.encode("utf-8")).digest()


class BearerAuth:
    """Pure ASGI middleware: 401 unless the bearer token matches (health is open)."""

    def __init__(self, app: ASGIApp, token: str, prefix: str = "") -> None:
        self.app = app
        self._expected = _digest(token)
        self._open = {HEALTH_PATH, prefix.rstrip("/") + HEALTH_PATH}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._is_open(scope):
            await self.app(scope, receive, send)
            return
        given = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                given = value
                break
        scheme, _, credential = given.partition(b" ")
        ok = scheme.lower() == b"bearer" and hmac.compare_digest(
            hashlib.sha256(credential.strip()).digest(), self._expected
        )
        if ok:
            await self.app(scope, receive, send)
            return
        message = (
            "Missing bearer token: send 'Authorization: Bearer <token>' (set "
            "FLOWSCOPE_SERVICE_TOKEN or FLOWSCOPE_SERVICE_TOKEN_FILE on the client)."
            if not given
            else "The bearer token was refused by the service."
        )
        await error_response(401, "Unauthorized", message)(scope, receive, send)

    def _is_open(self, scope: Scope) -> bool:
        return scope["path"] in self._open


def create_app(
    store: SqlMetadataStore,
    *,
    blobs: BlobStorage | None = None,
    blob_address: str | None = None,
    token: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    max_blob: int = DEFAULT_MAX_BLOB,
    max_blob_decoded: int = DEFAULT_MAX_BLOB_DECODED,
    max_filters: int = DEFAULT_MAX_FILTERS,
    close_store: bool = True,
    prefix: str = "",
    threads: int = 16,
    allowed_hosts: AllowedHosts | None = None,
    pages: PagesFactory | None = None,
) -> ASGIApp:
    """The service over `store` (and the blob root `blobs`, opened from `blob_address`: runs
    that record that datastore are served through the blob proxy); `token=None` disables auth.

    `max_body` bounds JSON request bodies and `max_blob` blob uploads, in bytes (413 above);
    `max_blob_decoded` bounds what an upload decodes to (a compressed blob's logical size);
    `max_filters` the filters on one listing (400 above).
    `threads` bounds the store calls running at once (match the database pool).
    `prefix` (e.g. "/team") serves the API under `{prefix}/api/v1` as well as `/api/v1`, so a
    reverse proxy may forward requests with or without stripping that path.
    `allowed_hosts` are the Host names served (`guard.py`; loopback names by default); every
    request passes the same-origin guard before the token check.
    `pages` builds the web front end mounted at `/ui` (and `{prefix}/ui`); see the module.
    """
    ctx = ServiceContext(
        store=store,
        blobs=blobs,
        blob_address=None if blob_address is None else normalize_address(blob_address),
        max_body=max_body,
        max_blob=max_blob,
        max_blob_decoded=max_blob_decoded,
        max_filters=max_filters,
        threads=threads,
    )

    async def health(request: Request) -> Response:
        try:
            rows = await ctx.call(
                store.db.read, lambda c: c.execute("SELECT MAX(version) FROM schema_migrations")
            )
        except Exception as exc:  # noqa: BLE001 - reported as 503/500 JSON, logged
            return exception_response(exc, "GET health")
        from flowscope.metastore.migrations import latest_version

        return json_response(
            {
                "status": "ok",
                "service": "flowscope",
                "api_version": SERVICE_VERSION,
                "schema_version": int(rows[0][0] or 0),
                "latest_schema_version": latest_version(),
                "database": store.db.dialect,
                "blobs": blobs is not None,
            }
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return error_response(
                404, "NotFound", f"No route {request.url.path!r} in this service."
            )
        if exc.status_code == 405:
            return error_response(
                405, "MethodNotAllowed", f"{request.method} is not allowed on {request.url.path!r}."
            )
        return error_response(exc.status_code, "HttpError", str(exc.detail))

    async def server_error(request: Request, exc: Exception) -> Response:
        return exception_response(exc, f"{request.method} {request.url.path}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if close_store:
                store.close()

    api = [Route("/health", health, methods=["GET"])]
    api += routes_runs.routes(ctx) + routes_tasks.routes(ctx) + routes_blobs.routes(ctx)
    api += routes_query.routes(ctx)
    # every unmatched path is a JSON 404, never a redirect to a slash variant
    router = Router(api, redirect_slashes=False)
    prefix = prefix.rstrip("/")
    mounts = [Mount(API_PREFIX, app=router)]
    if prefix:
        mounts.append(Mount(prefix + API_PREFIX, app=router))
    app = Starlette(
        routes=mounts,
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    guarded_app = BearerAuth(app, token, prefix) if token else app
    hosts = allowed_hosts or AllowedHosts.for_bind("127.0.0.1")
    api_app = SameOriginGuard(guarded_app, hosts)
    if pages is None:
        return api_app
    bases = [PAGES_PATH] + ([prefix + PAGES_PATH] if prefix else [])
    served = {base: pages(Served(store, blobs, token, hosts, base)) for base in bases}
    return PathDispatch(api_app, served)
