"""Metadata test fixtures: the PostgreSQL/service fixtures of tests/pg.py, one fixture per
metadata provider for the contract suite (see test_provider_contract.PROVIDERS), and a SQLite
store on a hand-set clock for the tests of the store's parts (tests/metastore/test_store*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowscope.metastore.db import SqliteDatabase, open_database
from flowscope.metastore.migrations import migrate
from flowscope.metastore.store import SqlMetadataStore
from pg import PgServer, ServiceProcess, reset_database

from .clock import Clock


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def clocked_store(tmp_path: Path, clock: Clock) -> Iterator[SqlMetadataStore]:
    """A store whose time is `clock` and whose runs read as lost after 10 silent seconds."""
    db = SqliteDatabase(tmp_path / "clocked.db")
    migrate(db)
    store = SqlMetadataStore(db, lost_after=10.0, clock=clock)
    yield store
    store.close()


@pytest.fixture()
def provider_sqlite(tmp_path: Path) -> Iterator[SqlMetadataStore]:
    db = open_database(str(tmp_path / "metadata.db"))
    migrate(db)
    store = SqlMetadataStore(db)
    yield store
    store.close()


@pytest.fixture(scope="session")
def _pg_contract_url(pg_server: PgServer) -> str:  # noqa: F811
    url = pg_server.create_database("contract")
    db = open_database(url)
    migrate(db)
    db.close()
    return url


@pytest.fixture()
def provider_postgres(_pg_contract_url: str, tmp_path: Path) -> Iterator[SqlMetadataStore]:
    reset_database(_pg_contract_url)
    store = SqlMetadataStore(open_database(_pg_contract_url))
    yield store
    store.close()


def _http(service: ServiceProcess) -> Iterator[object]:
    from flowscope.metastore.http import HttpMetadataProvider

    reset_database(service.database)
    provider = HttpMetadataProvider(service.url, token=service.token)
    yield provider
    provider.close()


@pytest.fixture()
def provider_http_sqlite(sqlite_service: ServiceProcess) -> Iterator[object]:  # noqa: F811
    yield from _http(sqlite_service)


@pytest.fixture()
def provider_http_postgres(pg_service: ServiceProcess) -> Iterator[object]:  # noqa: F811
    yield from _http(pg_service)
