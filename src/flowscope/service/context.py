"""What every route needs, passed explicitly: the store, the blob root, and the limits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from flowscope.metastore.store import SqlMetadataStore
from flowscope.service.wire import exception_response

if TYPE_CHECKING:
    from flowscope.datastore import BlobStorage

T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[Response]]

DEFAULT_MAX_BODY = 32 * 1024 * 1024
DEFAULT_MAX_BLOB = 1024 * 1024 * 1024


@dataclass(frozen=True)
class ServiceContext:
    store: SqlMetadataStore
    blobs: BlobStorage | None = None
    max_body: int = DEFAULT_MAX_BODY
    max_blob: int = DEFAULT_MAX_BLOB

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        """Run a blocking store call off the event loop."""
        return await run_in_threadpool(fn, *args)


def guarded(handler: Endpoint) -> Endpoint:
    """Turn anything a handler raises into a JSON error response (never a traceback)."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as exc:  # noqa: BLE001 - the one place errors become responses
            return exception_response(exc, f"{request.method} {request.url.path}")

    endpoint.__name__ = handler.__name__
    return endpoint
