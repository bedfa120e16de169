"""The Dask executor on an in-process LocalCluster: the executor contract suite again, then
what is particular to it (resources no worker offers, where attempts ran, the portable
work). The real-process cluster tests are in tests/e2e/test_dask.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from flowscope.runtime.dask_cluster import DaskSession
from flowscope.runtime.dask_executor import DaskExecutor
from flowscope.runtime.executor import Placement

from . import test_executor as contract
from .test_executor import (  # noqa: F401 - the contract's cases, run on this module's impl
    drain,
    slow_or_double,
    test_cancel_ends_an_attempt_with_cancelled,
    test_output_reaches_the_sink_with_its_attempt,
    test_shutdown_ends_what_is_in_flight_once,
    test_submitted_attempts_end_with_their_outcome_and_placement,
)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskSession]:
    from distributed import Client, LocalCluster

    from flowscope.datastore import ContentStore, open_storage

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
        silence_logs=40, resources={"GPU": 1},
    )  # fmt: skip
    root = str(tmp_path_factory.mktemp("blobs"))
    session = DaskSession(Client(cluster, set_as_default=False), cluster, "local", root)
    session.check(ContentStore(open_storage(root)), 20)
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def impl(session: DaskSession) -> Any:
    return session.factory()


def test_the_contract_suite_ran_on_dask(impl: Any) -> None:
    executor, _ = contract.make(impl)
    assert isinstance(executor, DaskExecutor)
    executor.submit((1, 0), 4)
    (done,) = drain(executor)
    assert done.outcome == 8 and done.placement.runtime == "dask"
    assert done.placement.worker.startswith("inproc://") or "://" in done.placement.worker
    executor.shutdown()


def _gpu_executor(session: DaskSession, gpus: float) -> DaskExecutor[int, int]:
    return DaskExecutor(
        session.client, slow_or_double, lambda *_: None, 2,
        requirement=lambda _x: {"GPU": gpus}, scheduler="test",
    )  # fmt: skip


def test_a_resource_a_worker_offers_places_the_task_there(session: DaskSession) -> None:
    executor = _gpu_executor(session, 1)
    executor.submit((1, 0), 3)
    (done,) = drain(executor)
    assert done.outcome == 6 and done.failure is None
    executor.shutdown()


def test_a_resource_no_worker_offers_fails_at_once_naming_it(session: DaskSession) -> None:
    executor = _gpu_executor(session, 4)
    began = time.time()
    executor.submit((1, 0), 3)
    assert list(executor.in_flight()) == []  # never queued to wait for ever
    (done,) = executor.poll(1.0)
    assert time.time() - began < 5
    assert done.outcome is None and done.key == (1, 0)
    assert done.failure is not None and "GPU=4" in done.failure and "--resources" in done.failure
    assert done.placement == Placement("dask", "", None)
    executor.shutdown()
