"""Choosing a metadata provider by address (metastore/providers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.config import STORE_DIRNAME, Settings
from flowscope.errors import MetadataError
from flowscope.metastore.http import HttpMetadataProvider
from flowscope.metastore.local import open_local
from flowscope.metastore.providers import default_address, open_provider
from flowscope.metastore.store import SqlMetadataStore

SETTINGS = Settings.from_env(
    {"USER": "u", "FLOWSCOPE_SERVICE_TOKEN": "tok", "FLOWSCOPE_SERVICE_TIMEOUT": "3"}
)


@pytest.mark.parametrize("prefix", ["", "service@"])
def test_urls_open_the_http_provider_with_the_settings(prefix: str) -> None:
    provider = open_provider(f"{prefix}https://meta.example:8443/x", SETTINGS)
    assert isinstance(provider, HttpMetadataProvider)
    assert provider.describe() == "service@https://meta.example:8443/x"
    assert provider._http.timeout == 3.0
    assert provider._http._headers["Authorization"] == "Bearer tok"


@pytest.mark.parametrize("address", ["", "   ", "service@/some/dir"])
def test_unusable_addresses_are_refused(address: str) -> None:
    with pytest.raises(MetadataError):
        open_provider(address, SETTINGS)


def test_a_non_string_address_is_refused() -> None:
    with pytest.raises(MetadataError, match="directory or an http"):
        open_provider(None, SETTINGS)  # type: ignore[arg-type]


def test_a_directory_holding_a_store_and_the_store_itself_are_the_same(tmp_path: Path) -> None:
    open_local(tmp_path / STORE_DIRNAME, create=True).close()
    for address in (str(tmp_path), str(tmp_path / STORE_DIRNAME), f"local@{tmp_path}"):
        provider = open_provider(address, SETTINGS)
        try:
            assert isinstance(provider, SqlMetadataStore)
            assert provider.describe() == f"local@{tmp_path / STORE_DIRNAME}"
        finally:
            provider.close()


def test_create_makes_a_nested_store_and_reading_never_does(tmp_path: Path) -> None:
    with pytest.raises(MetadataError, match="no flowscope store"):
        open_provider(str(tmp_path), SETTINGS)
    provider = open_provider(str(tmp_path), SETTINGS, create=True)
    provider.close()
    assert (tmp_path / STORE_DIRNAME / "metadata.db").is_file()


def test_a_store_in_place_is_used_where_it_is(tmp_path: Path) -> None:
    open_local(tmp_path / "custom", create=True).close()
    provider = open_provider(str(tmp_path / "custom"), SETTINGS)
    try:
        assert provider.describe() == f"local@{tmp_path / 'custom'}"
    finally:
        provider.close()


def test_the_default_address_is_the_service_else_the_nearest_store(tmp_path: Path) -> None:
    local = Settings.from_env({"USER": "u"})
    assert default_address(local, tmp_path) == str(tmp_path / STORE_DIRNAME)
    served = Settings.from_env({"USER": "u", "FLOWSCOPE_SERVICE_URL": "http://h:1"})
    assert default_address(served, tmp_path) == "http://h:1"
