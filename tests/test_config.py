"""Settings (config.py): read from a given environment when asked, with safe defaults, bad
values refused with the variable's name; the store directory found like git finds .git."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowscope.config import STORE_DIRNAME, Settings, find_store, resolve_user
from flowscope.errors import FlowscopeError


def test_defaults_from_an_empty_environment() -> None:
    settings = Settings.from_env({"USER": "ann"})
    assert settings.user == "ann"
    assert settings.local_root is None and settings.service_url is None
    assert settings.service_token is None
    assert (settings.service_timeout, settings.heartbeat_interval, settings.lost_after) == (
        5.0,
        5.0,
        60.0,
    )


def test_variables_are_read_from_the_mapping_given() -> None:
    env = {
        "FLOWSCOPE_USER": "bob",
        "USER": "ann",
        "FLOWSCOPE_ROOT": "/data/store",
        "FLOWSCOPE_SERVICE_URL": "http://h:1",
        "FLOWSCOPE_SERVICE_TOKEN": "tok",
        "FLOWSCOPE_SERVICE_TIMEOUT": "2.5",
        "FLOWSCOPE_HEARTBEAT_INTERVAL": "1",
        "FLOWSCOPE_LOST_AFTER": "30",
    }
    settings = Settings.from_env(env)
    assert settings.user == "bob" and settings.local_root == Path("/data/store")
    assert settings.service_url == "http://h:1" and settings.service_token == "tok"
    assert (settings.service_timeout, settings.heartbeat_interval, settings.lost_after) == (
        2.5,
        1.0,
        30.0,
    )


def test_empty_values_mean_unset() -> None:
    env = {"USER": "u", "FLOWSCOPE_SERVICE_URL": "", "FLOWSCOPE_SERVICE_TIMEOUT": ""}
    settings = Settings.from_env(env)
    assert settings.service_url is None and settings.service_timeout == 5.0


@pytest.mark.parametrize(
    "value,words",
    [("soon", "not a number"), ("0", "greater than zero"), ("-1", "greater than zero")],
)
def test_bad_numbers_name_the_variable(value: str, words: str) -> None:
    with pytest.raises(FlowscopeError, match=f"FLOWSCOPE_LOST_AFTER='{value}' .*{words}"):
        Settings.from_env({"USER": "u", "FLOWSCOPE_LOST_AFTER": value})


def test_the_token_file_is_read_and_the_variable_wins(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("  from-file\n")
    env = {"USER": "u", "FLOWSCOPE_SERVICE_TOKEN_FILE": str(token_file)}
    assert Settings.from_env(env).service_token == "from-file"
    env["FLOWSCOPE_SERVICE_TOKEN"] = "from-var"
    assert Settings.from_env(env).service_token == "from-var"
    token_file.write_text("\n")
    assert (
        Settings.from_env(
            {"USER": "u", "FLOWSCOPE_SERVICE_TOKEN_FILE": str(token_file)}
        ).service_token
        is None
    )


def test_an_unreadable_token_file_is_one_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(FlowscopeError, match="FLOWSCOPE_SERVICE_TOKEN_FILE=.*cannot be read"):
        Settings.from_env({"USER": "u", "FLOWSCOPE_SERVICE_TOKEN_FILE": str(missing)})


def test_user_falls_back_in_order() -> None:
    assert resolve_user({"USERNAME": "w", "USER": "x"}) == "w"
    assert resolve_user({"FLOWSCOPE_USER": "", "USER": "x"}) == "x"
    assert resolve_user({}) != ""  # the login name, or "unknown" without one


def test_settings_are_frozen_and_changed_by_copy() -> None:
    settings = Settings.from_env({"USER": "u"})
    changed = settings.with_changes(user="v")
    assert (settings.user, changed.user) == ("u", "v")
    with pytest.raises(AttributeError):
        settings.user = "w"  # type: ignore[misc]


def test_the_nearest_store_up_the_tree_is_found(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    before = find_store(deep)
    assert before is None or tmp_path.resolve() not in before.parents
    (tmp_path / "a" / STORE_DIRNAME).mkdir()
    assert find_store(deep) == (tmp_path / "a" / STORE_DIRNAME).resolve()
    settings = Settings.from_env({"USER": "u"})
    assert settings.store_root(deep) == (tmp_path / "a" / STORE_DIRNAME).resolve()


def test_an_explicit_root_is_used_as_is_or_as_its_parent(tmp_path: Path) -> None:
    base = Settings.from_env({"USER": "u"})
    assert base.with_changes(local_root=tmp_path).store_root() == tmp_path / STORE_DIRNAME
    named = tmp_path / STORE_DIRNAME
    assert base.with_changes(local_root=named).store_root() == named
    (tmp_path / "metadata.db").touch()
    assert base.with_changes(local_root=tmp_path).store_root() == tmp_path


def test_reading_settings_does_not_touch_os_environ_when_given_a_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLOWSCOPE_USER", "from-os")
    assert Settings.from_env({"USER": "given"}).user == "given"
    assert Settings.from_env().user == "from-os" == os.environ["FLOWSCOPE_USER"]


def test_flowscope_datastore_is_read_and_blank_means_unset() -> None:
    from flowscope.config import Settings

    assert (
        Settings.from_env({"FLOWSCOPE_DATASTORE": " /shared/blobs "}).datastore == "/shared/blobs"
    )
    assert Settings.from_env({"FLOWSCOPE_DATASTORE": "  "}).datastore is None
    assert Settings.from_env({}).datastore is None


def test_the_inline_blob_bound_is_read_and_checked() -> None:
    assert Settings.from_env({}).inline_blob_max == 2048
    assert Settings.from_env({"FLOWSCOPE_INLINE_BLOB_MAX": "0"}).inline_blob_max == 0
    assert Settings.from_env({"FLOWSCOPE_INLINE_BLOB_MAX": "4096"}).inline_blob_max == 4096
    for bad in ("-1", "65537", "2k", "1.5"):
        with pytest.raises(FlowscopeError, match="FLOWSCOPE_INLINE_BLOB_MAX"):
            Settings.from_env({"FLOWSCOPE_INLINE_BLOB_MAX": bad})


def test_dask_env_names_the_variables_sent_with_each_task():
    settings = Settings.from_env({"FLOWSCOPE_DASK_ENV": " MODE, API_URL ,,"})
    assert settings.dask_env == ("MODE", "API_URL")
    assert Settings.from_env({}).dask_env == ()
    with pytest.raises(FlowscopeError, match="FLOWSCOPE_DASK_ENV names 'A-B'"):
        Settings.from_env({"FLOWSCOPE_DASK_ENV": "MODE,A-B"})


def test_dask_isolation_is_fork_unless_host_is_asked_for():
    assert Settings.from_env({}).dask_isolation == "fork"
    assert Settings.from_env({"FLOWSCOPE_DASK_ISOLATION": "host"}).dask_isolation == "host"
    with pytest.raises(FlowscopeError, match="FLOWSCOPE_DASK_ISOLATION='thread' is not one of"):
        Settings.from_env({"FLOWSCOPE_DASK_ISOLATION": "thread"})
