"""A synchronous in-process client for the service app (httpx over an ASGI transport)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from flowscope.metastore.new_records import NewRun
from flowscope.metastore.store import SqlMetadataStore

TOKEN = "test-token-123"
BINARY = "application/octet-stream"


class Api:
    """Requests to `/api/v1` + path, with the bearer token unless `auth=False`/`token=`."""

    def __init__(self, app: Any, token: str | None = TOKEN) -> None:
        self.loop = asyncio.new_event_loop()
        self.token = token
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost"
        )

    def request(
        self, method: str, path: str, *, auth: bool = True, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if method in ("POST", "PUT") and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json" if method == "POST" else BINARY
        if auth and (token or self.token):
            headers.setdefault("Authorization", f"Bearer {token or self.token}")
        url = path if path.startswith("http") else "/api/v1" + path
        return self.loop.run_until_complete(
            self.client.request(method, url, headers=headers, **kwargs)
        )

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def head(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("HEAD", path, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


def error_of(response: httpx.Response) -> tuple[int, str]:
    """(status, error type) of a JSON error answer; fails on anything else."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}, body
    assert "Traceback" not in response.text
    return response.status_code, body["error"]["type"]


def seed_run(store: SqlMetadataStore, flow: str = "F", **kw: Any) -> int:
    kw.setdefault("user", "alice")
    return store.create_run(NewRun(flow_name=flow, **kw)).run_id
