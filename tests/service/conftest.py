"""Service fixtures: an in-process app over a fresh SQLite store (fast), plus the PostgreSQL
and real-service fixtures of tests/pg.py for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flowscope.datastore import LocalStorage
from flowscope.metastore.db import SqliteDatabase
from flowscope.metastore.migrations import migrate
from flowscope.metastore.store import SqlMetadataStore
from flowscope.service.app import create_app

from .helpers import TOKEN, Api


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[SqlMetadataStore]:
    db = SqliteDatabase(tmp_path / "metadata.db")
    migrate(db)
    s = SqlMetadataStore(db)
    yield s
    s.close()


@pytest.fixture()
def blob_storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "blobs")


@pytest.fixture()
def make_api(store: SqlMetadataStore, blob_storage: LocalStorage) -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(token: str | None = TOKEN, **kwargs: Any) -> Api:
        kwargs.setdefault("blobs", blob_storage)
        kwargs.setdefault("max_body", 64 * 1024)
        kwargs.setdefault("max_blob", 1024 * 1024)
        api = Api(
            create_app(kwargs.pop("store", store), token=token, close_store=False, **kwargs),
            token=token,
        )
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture()
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()
