"""What every route needs, passed explicitly: the store, the blob root, and the limits."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from anyio import CapacityLimiter, to_thread
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from flowscope.metastore.store import SqlMetadataStore
from flowscope.service.wire import exception_response

if TYPE_CHECKING:
    from flowscope.datastore import BlobStorage

T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[Response]]

DEFAULT_MAX_BODY = 32 * 1024 * 1024
DEFAULT_MAX_BLOB = 1024 * 1024 * 1024
DEFAULT_MAX_BLOB_DECODED = 2 * 1024 * 1024 * 1024
DEFAULT_MAX_FILTERS = 100
DEFAULT_HEADER_TIMEOUT = 10.0  # seconds for a request's headers (service/deadlines.py)
DEFAULT_BODY_TIMEOUT = 30.0  # seconds for a body, plus one per 64 KiB of it


@dataclass(frozen=True)
class ServiceContext:
    store: SqlMetadataStore
    blobs: BlobStorage | None = None
    blob_address: str | None = None  # the blob root's address, normalized (`serves`)
    max_body: int = DEFAULT_MAX_BODY
    max_blob: int = DEFAULT_MAX_BLOB
    max_blob_decoded: int = DEFAULT_MAX_BLOB_DECODED
    max_filters: int = DEFAULT_MAX_FILTERS
    threads: int = 16
    _limiter: CapacityLimiter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # as many worker threads as the database can serve at once: more would only queue
        # on the connection pool while contending for the GIL
        object.__setattr__(self, "_limiter", CapacityLimiter(self.threads))

    async def call(self, fn: Callable[..., T], *args: object) -> T:
        """Run a blocking store call off the event loop."""
        return await to_thread.run_sync(functools.partial(fn, *args), limiter=self._limiter)


def guarded(handler: Endpoint) -> Endpoint:
    """Turn anything a handler raises into a JSON error response (never a traceback)."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ClientDisconnect:  # gone mid-body (or cut off by a deadline): nobody to answer
            return Response(status_code=400)
        except Exception as exc:  # noqa: BLE001 - the one place errors become responses
            return exception_response(exc, f"{request.method} {request.url.path}")

    endpoint.__name__ = handler.__name__
    return endpoint
