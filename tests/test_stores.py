"""open_stores (stores.py): the pair (metadata address, datastore address), resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.datastore import LocalStorage
from flowscope.datastore.cache import CachedStorage
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
    assert _through_cache(stores.datastore.storage, HttpBlobStorage)
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
    assert _through_cache(stores.datastore.storage, HttpBlobStorage)


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


def _through_cache(storage: object, kind: type) -> bool:
    """A remote backend is read through the local blob cache: the cache over a `kind`."""
    return isinstance(storage, CachedStorage) and isinstance(storage.remote, kind)


def test_a_reader_opens_the_datastore_at_its_first_use(tmp_path: Path) -> None:
    open_stores(str(tmp_path), settings=_settings(), create=True).close()
    stores = open_stores(str(tmp_path), settings=_settings(), lazy=True)
    assert not stores.datastore_opened  # a listing reads no blob: nothing opened yet
    assert stores.datastore is stores.datastore and stores.datastore_opened
    assert isinstance(stores.datastore.storage, LocalStorage)
    assert stores.datastore.address is None  # the metadata store's own: runs record nothing
    chosen = open_stores(str(tmp_path), str(tmp_path / "elsewhere"), settings=_settings())
    assert chosen.datastore_opened and chosen.datastore.address == str(tmp_path / "elsewhere")


def test_a_reader_with_a_bad_datastore_gets_the_error_at_its_first_read(tmp_path: Path) -> None:
    open_stores(str(tmp_path), settings=_settings(), create=True).close()
    stores = open_stores(str(tmp_path), "ftp://example.org/x", settings=_settings(), lazy=True)
    assert stores.provider.list_flows() == []  # the metadata reads fine
    for _ in range(2):  # and every read of data names the address, not only the first
        with pytest.raises(DataStoreError, match="'ftp://example.org/x'.*unknown scheme"):
            stores.datastore.get("ab" * 32)
    with pytest.raises(DataStoreError, match="datastore address must be"):
        open_stores(str(tmp_path), "  ", settings=_settings(), lazy=True)  # not even a string


def test_a_pair_needs_exactly_one_way_to_its_datastore(tmp_path: Path) -> None:
    provider = open_stores(str(tmp_path), settings=_settings(), create=True).provider
    with pytest.raises(TypeError):
        Stores("m", "d", provider)
    assert "datastore d" in repr(Stores("m", "d", provider, open_datastore=lambda: None))  # type: ignore[arg-type, return-value]
