"""The connection to a Dask cluster: address checks, bounded connects, @resources mapping.
(The datastore probe against real worker processes: tests/e2e/test_dask.py.)"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.errors import ConfigError, ExecutorUnavailable
from flowscope.flow.resources import Resources
from flowscope.runtime.dask_cluster import DaskSession, dask_resources


def test_resources_map_to_dask_names_the_workers_declare() -> None:
    request = Resources(cpu=2, memory=8192, gpu=1)
    assert dask_resources(request, frozenset()) == {"GPU": 1.0}  # cpu/memory: not declared
    assert dask_resources(request, frozenset({"CPU", "MEMORY"})) == {
        "GPU": 1.0,
        "CPU": 2.0,
        "MEMORY": 8192.0,
    }
    assert dask_resources(Resources(gpu=0), frozenset({"CPU"})) == {"CPU": 1.0}
    assert dask_resources(None, frozenset({"CPU"})) == {}


def test_a_bad_scheduler_address_is_one_line(tmp_path: Path) -> None:
    settings = Settings.from_env({"FLOWSCOPE_USER": "t"})
    with pytest.raises(ExecutorUnavailable, match="tcp://HOST:PORT"):
        DaskSession.open(settings, "not an address", str(tmp_path), None)


def test_an_unreachable_scheduler_is_refused_within_the_timeout(tmp_path: Path) -> None:
    from dask_clusters import free_port

    settings = Settings.from_env({"FLOWSCOPE_USER": "t", "FLOWSCOPE_DASK_CONNECT_TIMEOUT": "1"})
    began = time.time()
    with pytest.raises(ExecutorUnavailable, match="Cannot reach the Dask scheduler"):
        DaskSession.open(settings, f"tcp://127.0.0.1:{free_port()}", str(tmp_path), None)
    assert time.time() - began < 15


def test_the_executor_settings_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {"FLOWSCOPE_EXECUTOR": "Dask", "FLOWSCOPE_DASK_ADDRESS": "tcp://h:1"}
    )
    assert settings.executor == "dask" and settings.dask_address == "tcp://h:1"
    assert Settings.from_env({}).executor == "local"
    with pytest.raises(ConfigError, match="FLOWSCOPE_EXECUTOR"):
        Settings.from_env({"FLOWSCOPE_EXECUTOR": "ray"})
