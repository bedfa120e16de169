"""Choosing where a run's tasks execute: the executors by name, opened for one command.

    open_executor("local", ...)   the fork pool (`workers.ForkExecutor`), the default
    open_executor("dask", ...)    a Dask cluster (`dask_cluster.DaskSession`); imports Dask

An `OpenExecutor` is the runner's `ExecutorFactory` plus what to close when the command ends.
Another engine (Ray) is one more branch here and a module behind the executor protocol.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from flowscope.config import EXECUTORS, Settings
from flowscope.errors import ExecutorUnavailable
from flowscope.frozen import Frozen, init
from flowscope.runtime.executor import ExecutorFactory


def _nothing() -> None:
    return None


class OpenExecutor(Frozen):
    __slots__ = ("factory", "close")
    factory: ExecutorFactory
    close: Callable[[], None]

    def __init__(self, factory: ExecutorFactory, close: Callable[[], None] = _nothing) -> None:
        init(self, "factory", factory)
        init(self, "close", close)


def open_executor(
    name: str,
    settings: Settings,
    *,
    flow_cls: type,
    datastore_address: str,
    store: Any,
    address: str | None = None,
    configs: Mapping[str, Any] | None = None,
    with_decorators: tuple[str, ...] = (),
    isolation: str = "fork",
) -> OpenExecutor:
    """The executor `name` for one run of `flow_cls`; refuses (ExecutorUnavailable) before
    anything is recorded when it cannot run it."""
    if name == "local":
        if address is not None:
            raise ExecutorUnavailable("--dask-address is for --executor dask; drop it or add that.")
        from flowscope.runtime.workers import ForkExecutor

        return OpenExecutor(ForkExecutor)
    if name == "dask":
        from flowscope.runtime.dask_cluster import DaskSession
        from flowscope.runtime.portable import FlowSource, travelling

        environment = travelling(os.environ, settings.dask_env)  # refused before connecting
        session = DaskSession.open(settings, address, datastore_address, store)
        inline_max = int(getattr(store, "inline_max", 0))  # tasks keep the run's inline copies
        source = FlowSource.of(
            flow_cls,
            datastore_address,
            configs,
            with_decorators,
            environment,
            isolation,
            inline_max,
        )
        return OpenExecutor(session.factory(source), session.close)
    raise ExecutorUnavailable(f"--executor {name!r:.40} is not one of: {', '.join(EXECUTORS)}.")
