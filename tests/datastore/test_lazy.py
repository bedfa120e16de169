"""LazyStorage (datastore/lazy.py) and `open_storage(..., lazy=True)`: a reader opens a slow
backend (S3) on its first blob access; the address is still checked at once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import BlobStorage, ContentStore, MemoryStorage, open_storage
from flowscope.datastore.lazy import LazyStorage
from flowscope.errors import DataStoreError
from flowscope.stores import open_stores
from pg import free_port


def test_the_backend_is_opened_once_on_first_use() -> None:
    opened: list[MemoryStorage] = []

    def open_backend() -> MemoryStorage:
        opened.append(MemoryStorage())
        return opened[-1]

    lazy = LazyStorage("memory://", open_backend)
    assert isinstance(lazy, BlobStorage) and not lazy.opened  # a protocol check opens nothing
    assert "unopened" in repr(lazy)
    lazy.close()
    assert opened == []
    threads = [threading.Thread(target=lazy.exists, args=("0" * 64,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 1 and lazy.opened
    store = ContentStore(lazy)
    key = store.put(b"lazy value")
    assert store.get(key) == b"lazy value" and opened[0].exists(key)
    with pytest.raises(AttributeError):
        lazy.no_such_method  # noqa: B018 - forwarded to the backend, which has none


def test_an_error_opening_the_backend_comes_at_first_use_and_again_after() -> None:
    calls = 0

    def refuse() -> BlobStorage:
        nonlocal calls
        calls += 1
        raise DataStoreError("Cannot open S3 bucket 'b': it does not exist.")

    lazy = LazyStorage("s3://b", refuse)
    for _ in range(2):
        with pytest.raises(DataStoreError, match="does not exist"):
            lazy.read("0" * 64)
    assert calls == 2  # not remembered as opened


def test_a_malformed_s3_address_is_refused_at_once_even_lazily() -> None:
    with pytest.raises(DataStoreError, match="not an S3 bucket name"):
        open_storage("s3://Bad_Bucket/x", lazy=True)
    with pytest.raises(DataStoreError, match="prefix"):
        open_storage("s3://bucket/../x", lazy=True)


def _unreachable(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    return Settings.from_env({"FLOWSCOPE_DATASTORE_RETRY_TIME": "1"})


def test_readers_open_s3_lazily_and_the_runtime_eagerly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _unreachable(monkeypatch)
    url = "s3://no-server-bucket/prefix"
    reader = open_stores(str(tmp_path), url, settings=settings, create=True, lazy=True)
    lazy = reader.datastore.storage.remote  # type: ignore[attr-defined]  # under the cache
    assert isinstance(lazy, LazyStorage) and not lazy.opened
    with pytest.raises(DataStoreError, match="no-server-bucket.*does not answer"):
        reader.datastore.get("0" * 64)
    with pytest.raises(DataStoreError, match="no-server-bucket.*does not answer"):
        open_stores(str(tmp_path), url, settings=settings, create=True)  # before any task


def test_listing_runs_of_an_s3_datastore_needs_no_boto3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _unreachable(monkeypatch)
    code = f"""
import sys
from flowscope import Flow, metadata
from flowscope.stores import open_stores
from flowscope.config import Settings
open_stores({str(tmp_path)!r}, settings=Settings.from_env({{}}), create=True).close()
metadata({str(tmp_path)!r})
try:
    Flow("NoSuchFlow")
except Exception as exc:
    print(type(exc).__name__)
print("boto3" in sys.modules)
"""
    monkeypatch.setenv("FLOWSCOPE_DATASTORE", "s3://no-server-bucket/p")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["ObjectNotFound", "False"]
