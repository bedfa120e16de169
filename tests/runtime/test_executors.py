"""Executors by name: the local fork pool by default, refusals before anything is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowscope.config import Settings
from flowscope.errors import ExecutorUnavailable
from flowscope.runtime.executors import open_executor
from flowscope.runtime.workers import ForkExecutor


def _open(name: str, tmp_path: Path, address: str | None = None):
    return open_executor(
        name, Settings.from_env({"FLOWSCOPE_USER": "t"}), flow_cls=object,
        datastore_address=str(tmp_path), store=None, address=address,
    )  # fmt: skip


def test_local_is_the_fork_pool_and_closes_to_nothing(tmp_path: Path) -> None:
    chosen = _open("local", tmp_path)
    assert chosen.factory is ForkExecutor
    chosen.close()


def test_a_dask_address_without_the_dask_executor_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExecutorUnavailable, match="--dask-address is for --executor dask"):
        _open("local", tmp_path, "tcp://127.0.0.1:1")


def test_an_unknown_executor_is_refused_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ExecutorUnavailable, match="local, dask"):
        _open("ray", tmp_path)
