"""The app factory (service/app.py): mounts with and without a prefix, the open health route,
the bearer check's parsing, JSON for unmatched paths, and closing the store at shutdown.
Auth and limits across every route are in test_api_security.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from flowscope.metastore.migrations import latest_version
from flowscope.metastore.store import SqlMetadataStore
from flowscope.service.app import SERVICE_VERSION, create_app

from .helpers import TOKEN, Api, error_of, seed_run


def test_health_reports_the_service_and_its_parts(make_api: Callable[..., Api]) -> None:
    body = make_api().get("/health", auth=False).json()
    assert body == {
        "status": "ok",
        "service": "flowscope",
        "api_version": SERVICE_VERSION,
        "schema_version": latest_version(),
        "latest_schema_version": latest_version(),
        "database": "sqlite",
        "blobs": True,
    }
    assert make_api(blobs=None).get("/health").json()["blobs"] is False


def test_a_prefix_serves_the_api_at_both_paths(
    make_api: Callable[..., Api], store: SqlMetadataStore
) -> None:
    seed_run(store)
    api = make_api(prefix="/team/")
    for base in ("http://localhost/team/api/v1", "http://localhost/api/v1"):
        assert api.get(f"{base}/flows/F/runs/1").json()["run_id"] == 1
        assert api.get(f"{base}/health", auth=False).status_code == 200
        assert error_of(api.get(f"{base}/flows", auth=False)) == (401, "Unauthorized")
    assert error_of(api.get("http://localhost/other/api/v1/flows")) == (404, "NotFound")


def test_the_bearer_scheme_is_case_insensitive_and_the_token_exact(api: Api) -> None:
    for header in (f"bearer {TOKEN}", f"BEARER {TOKEN}", f"Bearer  {TOKEN} "):
        assert api.get("/flows", auth=False, headers={"Authorization": header}).status_code == 200
    for header in (TOKEN, f"Bearer{TOKEN}", f"Token {TOKEN}", f"Bearer {TOKEN.upper()}"):
        response = api.get("/flows", auth=False, headers={"Authorization": header})
        assert error_of(response) == (401, "Unauthorized")
    missing = api.get("/flows", auth=False).json()["error"]["message"]
    assert "FLOWSCOPE_SERVICE_TOKEN" in missing


def test_unmatched_paths_and_slashes_are_json_404s_not_redirects(api: Api) -> None:
    for path in ("/flows/", "/", "/health/", "/nothing"):
        response = api.get(path)
        assert (
            error_of(response) == (404, "NotFound") and path in response.json()["error"]["message"]
        )
    assert error_of(api.request("DELETE", "/flows")) == (405, "MethodNotAllowed")


def _lifespan(app: Any) -> list[str]:
    sent: list[str] = []
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    asyncio.run(app({"type": "lifespan", "state": {}}, receive, send))
    return sent


class _Counting(SqlMetadataStore):
    closed = 0

    def close(self) -> None:
        self.closed += 1
        super().close()


def test_the_store_is_closed_at_shutdown_only_when_owned(store: SqlMetadataStore) -> None:
    owned = _Counting(store.db)
    assert _lifespan(create_app(owned, token=TOKEN)) == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert owned.closed == 1
    borrowed = _Counting(store.db)
    _lifespan(create_app(borrowed, close_store=False))
    assert borrowed.closed == 0
