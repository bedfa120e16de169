"""open_stores (stores.py): the pair (metadata address, datastore address), resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import LocalStorage
from flowscope.datastore.http import HttpBlobStorage
from flowscope.errors import DataStoreError, MetadataError
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.store import SqlMetadataStore
from flowscope.stores import Stores, open_stores

URL = "http://127.0.0.1:9/team"  # nothing is asked of it: opening the pair sends no request


def _settings(**env: str) -> Settings:
    return Settings.from_env({"FLOWSCOPE_USER": "tester", **env})


def _opened(stores: Stores) -> Stores:
    assert stores.provider.describe() == stores.metadata_address
    return stores


def test_a_local_store_keeps_its_blobs_in_its_blobs_dir(tmp_path: Path) -> None:
    stores = _opened(open_stores(str(tmp_path), settings=_settings(), create=True))
    root = tmp_path / ".flowscope"
    assert isinstance(stores.provider, SqlMetadataStore)
    assert stores.metadata_address == f"local@{root}"
    assert stores.datastore_address == str(root / "blobs")
    key = stores.datastore.put(b"value")
    assert Path(stores.datastore.storage.locate(key)).is_file()
    assert str(root / "blobs") in stores.datastore.storage.locate(key)
    stores.close()


def test_the_default_metadata_is_the_nearest_store(tmp_path: Path) -> None:
    open_stores(str(tmp_path), settings=_settings(), create=True).close()
    (tmp_path / "deep" / "er").mkdir(parents=True)
    stores = open_stores(settings=_settings(), cwd=tmp_path / "deep" / "er")
    assert stores.metadata_address == f"local@{tmp_path / '.flowscope'}"
    assert stores.datastore_address == str(tmp_path / ".flowscope" / "blobs")


@pytest.mark.parametrize("form", [URL, f"{URL}/", f"service@{URL}"])
def test_a_service_keeps_its_blobs_behind_its_blob_proxy(form: str) -> None:
    stores = _opened(open_stores(form, settings=_settings(FLOWSCOPE_SERVICE_TOKEN="t")))
    assert isinstance(stores.provider, HttpMetadataProvider)
    assert stores.metadata_address == f"service@{URL}"
    assert stores.datastore_address == URL
    assert isinstance(stores.datastore.storage, HttpBlobStorage)
    assert stores.datastore.storage.locate("a" * 64) == f"{URL}/api/v1/blobs/{'a' * 64}"


def test_the_service_url_setting_is_the_default_metadata(tmp_path: Path) -> None:
    stores = open_stores(settings=_settings(FLOWSCOPE_SERVICE_URL=URL), cwd=tmp_path)
    assert stores.metadata_address == f"service@{URL}" and stores.datastore_address == URL
    assert not (tmp_path / ".flowscope").exists()


def test_a_service_with_a_local_datastore(tmp_path: Path) -> None:
    stores = open_stores(URL, str(tmp_path / "blobs"), settings=_settings())
    assert isinstance(stores.provider, HttpMetadataProvider)
    assert isinstance(stores.datastore.storage, LocalStorage)
    assert stores.datastore_address == str(tmp_path / "blobs")
    key = stores.datastore.put(b"bytes")
    assert LocalStorage(tmp_path / "blobs").exists(key)


def test_the_environment_names_the_datastore(tmp_path: Path) -> None:
    settings = _settings(FLOWSCOPE_DATASTORE=f"file://{tmp_path}/shared")
    local = open_stores(str(tmp_path / "proj"), settings=settings, create=True)
    assert local.datastore_address == f"file://{tmp_path}/shared"
    assert local.datastore.storage.root == str(tmp_path / "shared")  # type: ignore[attr-defined]
    remote = open_stores(URL, settings=settings)
    assert isinstance(remote.datastore.storage, LocalStorage)


def test_an_explicit_datastore_beats_the_environment(tmp_path: Path) -> None:
    settings = _settings(FLOWSCOPE_DATASTORE=str(tmp_path / "from-env"))
    stores = open_stores(str(tmp_path), str(tmp_path / "explicit"), settings=settings, create=True)
    assert stores.datastore_address == str(tmp_path / "explicit")
    stores = open_stores(str(tmp_path), URL, settings=settings)
    assert isinstance(stores.datastore.storage, HttpBlobStorage)


def test_a_relative_or_home_datastore_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert open_stores(URL, "rel", settings=_settings()).datastore_address == str(tmp_path / "rel")
    home = open_stores(URL, "~/blobs", settings=_settings())
    assert home.datastore_address == str(tmp_path / "home" / "blobs")


def test_an_empty_environment_value_means_unset(tmp_path: Path) -> None:
    stores = open_stores(URL, settings=_settings(FLOWSCOPE_DATASTORE="  "))
    assert stores.datastore_address == URL


@pytest.mark.parametrize(
    "bad, match",
    [
        ("ftp://example.org/x", "'ftp://example.org/x'.*unknown scheme"),
        ("s3://B/p", "'s3://B/p'.*not an S3 bucket name"),
        ("http://", "'http://'.*flowscope service"),
        ("http://host:port", "'http://host:port'.*flowscope service"),
        ("", "datastore address must be.*''"),
        ("   ", "datastore address must be.*'   '"),
    ],
)
def test_a_bad_datastore_is_an_error_naming_it_before_a_store_is_made(
    tmp_path: Path, bad: str, match: str
) -> None:
    with pytest.raises(DataStoreError, match=match):
        open_stores(str(tmp_path), bad, settings=_settings(), create=True)
    assert not (tmp_path / ".flowscope").exists()


def test_a_bad_datastore_from_the_environment_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataStoreError, match="'gs://b'"):
        open_stores(URL, settings=_settings(FLOWSCOPE_DATASTORE="gs://b"))


@pytest.mark.parametrize(
    "bad, match",
    [("", "got ''"), ("service@not-a-url", "service@ needs an http"), ("  ", "got '  '")],
)
def test_a_bad_metadata_address_is_an_error_naming_it(bad: str, match: str) -> None:
    with pytest.raises(MetadataError, match=match):
        open_stores(bad, settings=_settings())


def test_a_missing_local_store_is_an_error_for_a_reader(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match=f"no flowscope store in {tmp_path}"):
        open_stores(str(tmp_path), settings=_settings())
    assert not (tmp_path / ".flowscope").exists()


def test_the_pair_is_frozen_and_describes_both(tmp_path: Path) -> None:
    stores = open_stores(URL, str(tmp_path), settings=_settings())
    assert stores.describe() == f"metadata service@{URL}, datastore {tmp_path}"
    with pytest.raises(AttributeError):
        stores.datastore_address = "elsewhere"  # type: ignore[misc]
