"""open_storage: backends chosen by URL scheme, imported only when chosen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import LocalStorage, MemoryStorage, open_storage
from flowscope.errors import DataStoreError


def test_a_plain_path_opens_a_local_store(tmp_path: Path) -> None:
    storage = open_storage(str(tmp_path / "d"))
    assert isinstance(storage, LocalStorage)
    assert storage.root == str(tmp_path / "d")


def test_a_path_object_opens_a_local_store(tmp_path: Path) -> None:
    storage = open_storage(tmp_path)
    assert isinstance(storage, LocalStorage) and storage.root == str(tmp_path)


def test_a_relative_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    storage = open_storage("rel")
    assert isinstance(storage, LocalStorage) and storage.root == str(tmp_path / "rel")


@pytest.mark.parametrize("prefix", ["file://", "FILE://", "file://localhost"])
def test_file_urls_open_a_local_store(tmp_path: Path, prefix: str) -> None:
    storage = open_storage(f"{prefix}{tmp_path}/with%20space")
    assert isinstance(storage, LocalStorage)
    assert storage.root == f"{tmp_path}/with space"


def test_a_file_url_with_a_remote_host_is_refused() -> None:
    with pytest.raises(DataStoreError, match="host 'server'"):
        open_storage("file://server/share")


def test_memory_urls_open_a_new_store_each_time() -> None:
    first, second = open_storage("memory://"), open_storage("memory://")
    assert isinstance(first, MemoryStorage) and isinstance(second, MemoryStorage)
    assert first is not second


def test_s3_without_its_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.delitem(sys.modules, "flowscope.datastore.s3", raising=False)
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 -> ModuleNotFoundError
    with pytest.raises(DataStoreError, match=r"module 'boto3'.*pip install 'flowscope\[s3\]'"):
        open_storage("s3://bucket/prefix")


def test_an_unknown_scheme_lists_the_known_ones() -> None:
    with pytest.raises(
        DataStoreError,
        match=r"unknown scheme 'gs://'.*file://, http://, https://, memory://, s3://",
    ):
        open_storage("gs://bucket")


@pytest.mark.parametrize("bad", ["", None, 3])
def test_a_url_that_is_not_a_string_is_refused(bad: object) -> None:
    with pytest.raises(DataStoreError, match="non-empty str"):
        open_storage(bad)  # type: ignore[arg-type]


def test_importing_the_datastore_loads_no_optional_or_codec_modules() -> None:
    code = (
        "import sys, flowscope.datastore\n"
        "heavy = {'numpy', 'pandas', 'blake3', 'lz4', 'lz4.block'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_service_url_opens_its_blob_proxy_with_the_settings_token() -> None:
    from flowscope.datastore.http import HttpBlobStorage
    from http_servers import ScriptedServer

    settings = Settings.from_env({"FLOWSCOPE_SERVICE_TOKEN": "s3cret"})
    with ScriptedServer([(404, {"error": {"type": "BlobNotFound", "message": "no"}})]) as server:
        storage = open_storage(f"{server.url}/prefix/", settings)
        assert isinstance(storage, HttpBlobStorage)
        assert storage.locate("a" * 64) == f"{server.url}/prefix/api/v1/blobs/{'a' * 64}"
        assert not storage.exists("a" * 64)
    method, path, headers = server.requests[0]
    assert (method, path) == ("HEAD", f"/prefix/api/v1/blobs/{'a' * 64}")
    assert headers["Authorization"] == "Bearer s3cret"


@pytest.mark.parametrize(
    "bad", ["http://", "https:///path", "http://host:99999", "http://host:port", "http://h/?q=1"]
)
def test_a_service_url_without_a_host_is_refused_naming_it(bad: str) -> None:
    with pytest.raises(DataStoreError, match=r"Cannot open datastore .*flowscope service") as info:
        open_storage(bad, Settings.from_env({}))
    assert repr(bad) in str(info.value)


def test_whitespace_is_not_a_datastore() -> None:
    with pytest.raises(DataStoreError, match="non-empty str"):
        open_storage("   ")
