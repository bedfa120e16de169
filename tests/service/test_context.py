"""What routes share (service/context.py): blocking store calls off the event loop, bounded by
the thread limit, and `guarded` endpoints that answer JSON whatever a handler raises."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response

from flowscope.errors import ObjectNotFound
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.store import SqlMetadataStore
from flowscope.service.context import DEFAULT_MAX_BLOB, DEFAULT_MAX_BODY, ServiceContext, guarded
from flowscope.service.wire import bad_request


@pytest.fixture()
def ctx(tmp_path: Path) -> ServiceContext:
    return ServiceContext(SqlMetadataStore(SqliteDatabase(tmp_path / "m.db")), threads=2)


def test_defaults() -> None:
    assert DEFAULT_MAX_BODY == 32 * 1024 * 1024 and DEFAULT_MAX_BLOB == 1024**3


def test_calls_run_off_the_event_loop_thread(ctx: ServiceContext) -> None:
    async def main() -> tuple[int, int]:
        loop_thread = threading.get_ident()
        worker_thread = await ctx.call(threading.get_ident)
        return loop_thread, worker_thread

    loop_thread, worker_thread = asyncio.run(main())
    assert loop_thread != worker_thread
    assert asyncio.run(ctx.call(lambda a, b: a + b, 2, 3)) == 5


def test_at_most_threads_calls_run_at_once(ctx: ServiceContext) -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    def slow() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(ctx.call(slow) for _ in range(6)))

    asyncio.run(main())
    assert peak == 2


def test_errors_inside_calls_reach_the_caller(ctx: ServiceContext) -> None:
    def fail() -> None:
        raise ObjectNotFound("gone")

    with pytest.raises(ObjectNotFound, match="gone"):
        asyncio.run(ctx.call(fail))


def _request() -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/api/v1/x", "headers": [], "query_string": b""}
    )


@pytest.mark.parametrize(
    "error,status,kind",
    [
        (bad_request("no"), 400, "BadRequest"),
        (ObjectNotFound("missing"), 404, "ObjectNotFound"),
        (RuntimeError("secret detail"), 500, "InternalError"),
    ],
)
def test_guarded_turns_errors_into_json(error: Exception, status: int, kind: str) -> None:
    async def handler(request: Request) -> Response:
        raise error

    endpoint = guarded(handler)
    assert endpoint.__name__ == "handler"
    response = asyncio.run(endpoint(_request()))
    body = json.loads(bytes(response.body))
    assert response.status_code == status and body["error"]["type"] == kind
    assert "secret detail" not in bytes(response.body).decode()


def test_guarded_passes_answers_through() -> None:
    async def handler(request: Request) -> Response:
        return Response(b"fine", status_code=201)

    response = asyncio.run(guarded(handler)(_request()))
    assert (response.status_code, bytes(response.body)) == (201, b"fine")
