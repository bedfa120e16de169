"""Configuration of a running service, and the uvicorn entry point.

`serve(config, ...)` runs the app under uvicorn. With several workers uvicorn starts fresh
processes that import `app_from_env`, so the configuration travels to them as JSON in the
FLOWSCOPE_SERVICE_CONFIG environment variable (paths and URLs only: a worker reads the
token from the token file itself).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from flowscope.errors import MetadataError
from flowscope.metastore.db import Database, open_database
from flowscope.metastore.migrations import check_schema
from flowscope.metastore.store import SqlMetadataStore
from flowscope.service.context import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_MAX_BLOB,
    DEFAULT_MAX_BLOB_DECODED,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_FILTERS,
)

if TYPE_CHECKING:
    from flowscope.service.app import PagesFactory

CONFIG_ENV = "FLOWSCOPE_SERVICE_CONFIG"
FACTORY = "flowscope.service.server:app_from_env"


@dataclass(frozen=True)
class ServiceConfig:
    database: str
    blob_root: str | None = None
    token_file: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    max_blob: int = DEFAULT_MAX_BLOB
    max_blob_decoded: int = DEFAULT_MAX_BLOB_DECODED
    max_filters: int = DEFAULT_MAX_FILTERS
    lost_after: float = 60.0
    pool_size: int = 8
    prefix: str = ""
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    bind: str = "127.0.0.1"  # the address listened on: the Host names served follow from it
    allowed_hosts: tuple[str, ...] = ()  # more Host names served (`--allowed-host`)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServiceConfig:
        data: dict[str, Any] = json.loads(text)
        data["allowed_hosts"] = tuple(data.get("allowed_hosts", ()))
        return cls(**data)


def read_token(path: str) -> str:
    try:
        token = Path(path).read_text().strip()
    except OSError as exc:
        raise MetadataError(f"Cannot read the token file {path}: {exc.strerror}.") from None
    if not token:
        raise MetadataError(f"The token file {path} is empty; put the bearer token in it.")
    return token


def open_service_database(url: str, pool_size: int = 8) -> Database:
    """A PostgreSQL URL, or a SQLite path / sqlite:/// URL (a store directory is accepted)."""
    if url.startswith(("postgresql://", "postgres://")):
        from flowscope.metastore.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=pool_size)
    path = Path(url[len("sqlite:///") - 1 :] if url.startswith("sqlite:///") else url).expanduser()
    if path.is_dir():
        path = path / "metadata.db"
    if not path.parent.is_dir():
        raise MetadataError(
            f"Cannot create the SQLite database {path}: no directory {path.parent}."
        )
    return open_database(str(path))


def build_app(config: ServiceConfig, pages: PagesFactory | None = None) -> ASGIApp:
    """The app for `config`; the schema must be the current one (run migrations first).
    `pages`: the web front end to mount beside the API (service/app.py)."""
    from flowscope.service.app import create_app
    from flowscope.service.guard import AllowedHosts

    db = open_service_database(config.database, config.pool_size)
    try:
        check_schema(db)
    except BaseException:
        db.close()
        raise
    store = SqlMetadataStore(
        db, lost_after=config.lost_after, description=f"service-db@{db.describe()}"
    )
    blobs = None
    if config.blob_root:
        from flowscope.datastore import open_storage

        blobs = open_storage(config.blob_root)
    token = read_token(config.token_file) if config.token_file else None
    return create_app(
        store,
        blobs=blobs,
        blob_address=config.blob_root,
        token=token,
        max_body=config.max_body,
        max_blob=config.max_blob,
        max_blob_decoded=config.max_blob_decoded,
        max_filters=config.max_filters,
        prefix=config.prefix,
        threads=config.pool_size + 2,
        allowed_hosts=AllowedHosts.for_bind(config.bind, config.allowed_hosts),
        pages=pages,
    )


def app_from_env() -> ASGIApp:
    """uvicorn's factory in each worker process."""
    raw = os.environ.get(CONFIG_ENV)
    if not raw:
        raise MetadataError(f"{CONFIG_ENV} is not set; start the service with `flowscope service`.")
    return build_app(ServiceConfig.from_json(raw))


def serve(
    config: ServiceConfig,
    *,
    host: str,
    port: int,
    workers: int = 1,
    access_log: bool = False,
    log_level: str = "info",
    pages: PagesFactory | None = None,
    factory: str = FACTORY,
) -> None:
    """Run the service. With `workers` > 1 each worker builds its app with `factory` (a
    "module:function" of no arguments; with `pages`, one that mounts the same pages)."""
    import uvicorn

    from flowscope.service.deadlines import protocol_factory

    options: dict[str, Any] = {
        "http": protocol_factory(config.header_timeout, config.body_timeout),
        "host": host,
        "port": port,
        "access_log": access_log,
        "log_level": log_level,
        "proxy_headers": False,
        "server_header": False,
        "timeout_keep_alive": 65,
        "timeout_graceful_shutdown": 10,
    }
    if workers > 1:
        os.environ[CONFIG_ENV] = config.to_json()
        uvicorn.run(factory, factory=True, workers=workers, **options)
    else:
        uvicorn.run(build_app(config, pages), **options)
