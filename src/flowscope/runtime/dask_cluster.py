"""The connection to a Dask cluster for one command: connect, check, build executors, close.

`DaskSession.open` connects to the scheduler at an address (or starts a `LocalCluster`
sized to this machine), waits for a worker, and checks that every worker can read the run's
datastore (a probe blob, read on each worker): a run whose datastore the workers cannot
reach is refused before it is recorded. `factory(source)` is then the `ExecutorFactory` the
runner calls; `close()` ends the client and, for a local cluster, its processes.

@resources maps to Dask worker resources: `gpu` always becomes `GPU` (a GPU step never runs
on a worker without one); `cpu` and `memory` (MB) become `CPU` and `MEMORY` only when some
worker declares that resource, so a cluster that declares none runs every task.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from flowscope.config import Settings
from flowscope.errors import ExecutorUnavailable
from flowscope.flow.resources import Resources, declared_resources
from flowscope.runtime.dask_executor import DaskExecutor
from flowscope.runtime.dask_watch import Requirement
from flowscope.runtime.executor import Executor, OutputSink
from flowscope.runtime.portable import FlowSource, PortableWork
from flowscope.runtime.task import RunWork

_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/]+(:\d+)?/?$|^[A-Za-z0-9.\-\[\]:]+:\d+$")
SHARED = (
    "Use a datastore every worker reaches: a directory mounted at the same path on every "
    "worker, or an s3:// or http(s):// datastore (--datastore or FLOWSCOPE_DATASTORE)."
)


def dask_resources(request: Resources | None, declared: frozenset[str]) -> Requirement:
    """The Dask resources a task of a step with `request` needs on a cluster whose workers
    declare the resource names `declared`."""
    if request is None:
        return {}
    needs: dict[str, float] = {}
    if request.gpu:
        needs["GPU"] = float(request.gpu)
    if "CPU" in declared and request.cpu:
        needs["CPU"] = float(request.cpu)
    if "MEMORY" in declared and request.memory:
        needs["MEMORY"] = float(request.memory)
    return needs


def _quiet() -> None:
    """Dask logs its connection troubles with tracebacks: the runner says what matters."""
    import logging

    names = [n for n in logging.root.manager.loggerDict if n.startswith(("distributed", "tornado"))]
    for name in ("distributed", "tornado", *names):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _nothing(_payload: Any) -> Mapping[str, float]:
    return {}


class DaskSession:
    def __init__(
        self, client: Any, cluster: Any, address: str, datastore: str, patience: float = 20.0
    ) -> None:
        self.patience = patience  # seconds a cluster may have no worker before a run fails
        self.client = client
        self.cluster = cluster  # a LocalCluster this session started, else None
        self.address = address
        self.datastore = datastore

    @classmethod
    def open(
        cls, settings: Settings, address: str | None, datastore: str, store: Any
    ) -> DaskSession:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ModuleNotFoundError as exc:
            raise ExecutorUnavailable(
                f"--executor dask needs the module '{exc.name}', which is not installed; "
                f"install it with: pip install 'flowscope[dask]'."
            ) from None
        timeout = settings.dask_connect_timeout
        _quiet()
        cluster = None
        try:
            if address is None:
                with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                    cluster = LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=os.cpu_count() or 1,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address=None,
                        silence_logs=40,
                    )
                where = str(cluster.scheduler_address)
            else:
                where = address.strip()
                if not _ADDRESS.match(where):
                    raise ExecutorUnavailable(
                        f"--dask-address {address!r:.80} is not a Dask scheduler address; write "
                        f"it as tcp://HOST:PORT."
                    )
            client = Client(  # type: ignore[no-untyped-call]
                cluster or where, timeout=timeout, set_as_default=False
            )
        except ExecutorUnavailable:
            raise
        except Exception as exc:
            if cluster is not None:
                cluster.close()
            raise ExecutorUnavailable(
                f"Cannot reach the Dask scheduler at {address} within {timeout:g} s "
                f"({type(exc).__name__}: {exc}). Check --dask-address / FLOWSCOPE_DASK_ADDRESS, "
                f"or leave it out to run on a local cluster."
            ) from None
        session = cls(client, cluster, where, datastore, timeout)
        try:
            session.check(store, timeout)
        except BaseException:
            session.close()
            raise
        return session

    def check(self, store: Any, timeout: float) -> None:
        """Refuse a cluster without workers, or whose workers cannot read the datastore."""
        from flowscope.runtime.dask_worker import probe

        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except Exception:
            raise ExecutorUnavailable(
                f"The Dask scheduler at {self.address} has no workers (none joined within "
                f"{timeout:g} s). Start some with: dask worker {self.address}"
            ) from None
        nonce = store.put(b"flowscope datastore probe " + secrets.token_hex(16).encode())
        workers = list(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        futures = [
            self.client.submit(
                probe, self.datastore, nonce, workers=[w], allow_other_workers=False, pure=False
            )
            for w in workers
        ]
        end = time.time() + timeout
        problems = []
        for future in futures:
            try:
                worker, host, problem = future.result(timeout=max(0.1, end - time.time()))
            except Exception as exc:
                problems.append(f"a worker did not answer the probe ({type(exc).__name__})")
                continue
            if problem:
                problems.append(f"worker {worker} on {host}: {problem}")
        self.client.cancel(futures)
        if problems:
            raise ExecutorUnavailable(
                f"The Dask workers at {self.address} cannot read the run's datastore "
                f"{self.datastore} ({problems[0]}). {SHARED}"
            )

    def declared(self) -> frozenset[str]:
        workers = self.client.scheduler_info(n_workers=-1).get("workers", {})
        return frozenset(name for w in workers.values() for name in (w.get("resources") or {}))

    def factory(self, source: FlowSource | None = None) -> Callable[..., Executor[Any, Any]]:
        """The runner's `ExecutorFactory` on this cluster (`source`: how workers find the flow)."""

        def build(work: Any, on_output: OutputSink, capacity: int) -> Executor[Any, Any]:
            requirement: Callable[[Any], Mapping[str, float]] = _nothing
            shipped, store = work, None
            if isinstance(work, RunWork):
                chosen = source or FlowSource.of(
                    work.flow_cls, self.datastore, inline_max=work.store.inline_max
                )
                shipped, store = PortableWork.of(work, chosen), work.store
                declared, flow_cls = self.declared(), work.flow_cls

                def requirement(spec: Any) -> Mapping[str, float]:
                    return dask_resources(declared_resources(flow_cls, spec.step), declared)

            return DaskExecutor(
                self.client,
                shipped,
                on_output,
                capacity,
                store=store,
                requirement=requirement,
                scheduler=self.address,
                patience=self.patience,
            )

        return build

    def close(self) -> None:
        """Close the client, then the local cluster (its workers first), within seconds."""
        began = time.time()
        try:
            self.client.close(timeout=5)
        except Exception:
            pass
        if self.cluster is not None:
            try:
                self.cluster.close(timeout=max(1.0, 10 - (time.time() - began)))
            except Exception:
                pass
