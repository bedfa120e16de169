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
from flowscope.runtime.executor import CANCELLED, Placement

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


def _bundling(session: DaskSession, lines: list[Any] | None = None) -> DaskExecutor[int, int]:
    from flowscope.datastore import ContentStore, open_storage

    sink = (lambda key, stream, line: lines.append((key, line.text))) if lines is not None else None
    return DaskExecutor(
        session.client, slow_or_double, sink or (lambda *_: None), 16,
        store=ContentStore(open_storage(session.datastore)), datastore=session.datastore,
        scheduler="test",
    )  # fmt: skip


def _until(
    executor: DaskExecutor[int, int],
    keys: set[Any],
    seconds: float,
    ended: dict[Any, Any] | None = None,
) -> dict[Any, Any]:
    ended = {} if ended is None else ended
    end = time.time() + seconds
    while not keys <= ended.keys() and time.time() < end:
        ended.update((d.key, d) for d in executor.poll(0.05))
    assert keys <= ended.keys(), f"not ended in {seconds} s: {keys - ended.keys()}"
    return ended


def test_a_backlog_bigger_than_the_slots_goes_in_bundles_each_attempt_its_own(
    session: DaskSession,
) -> None:
    lines: list[Any] = []
    executor = _bundling(session, lines)
    for i in range(12):
        executor.submit((i, 0), i)
    executor.poll(0)
    assert 0 < len(executor._bundles) <= 4  # two per slot, not 12
    ended = _until(executor, {(i, 0) for i in range(12)}, 60)
    while executor.in_flight():
        ended.update((d.key, d) for d in executor.poll(0.05))
    assert {k: d.outcome for k, d in ended.items()} == {(i, 0): 2 * i for i in range(12)}
    assert len({d.placement.pid for d in ended.values()}) == 12  # a fork each
    assert sorted(text for _, text in lines) == sorted(f"doubling {i}" for i in range(12))
    assert all(text == f"doubling {key[0]}" for key, text in lines)
    executor.shutdown()


def test_a_bundled_attempt_ends_when_it_ends_and_a_cancel_stops_only_it(
    session: DaskSession,
) -> None:
    executor = _bundling(session)
    payloads = {1: 3, 2: -1, 3: 5, 4: 6, 5: 7}  # 5 over 4 free: 1 and 2 share a bundle
    for task, payload in payloads.items():
        executor.submit((task, 0), payload)
    executor.poll(0)
    assert executor.attempts[(1, 0)].bundle is executor.attempts[(2, 0)].bundle
    ended = _until(executor, {(1, 0)}, 30)
    assert ended[(1, 0)].outcome == 6
    assert (2, 0) in executor.in_flight()  # its bundle still runs: 2 sleeps
    time.sleep(1.0)  # 2 is running now
    began = time.time()
    executor.cancel((2, 0))
    _until(executor, {(2, 0), (3, 0), (4, 0), (5, 0)}, 30, ended)
    assert ended[(2, 0)].failure == CANCELLED and time.time() - began < 10
    assert [ended[(t, 0)].outcome for t in (3, 4, 5)] == [10, 12, 14]
    executor.shutdown()


def test_a_bundled_attempt_cancelled_before_it_starts_never_runs(session: DaskSession) -> None:
    lines: list[Any] = []
    executor = _bundling(session, lines)
    payloads = {1: -1, 2: 4, 3: -1, 4: 6, 5: 7}  # 2 waits behind 1, which sleeps
    for task, payload in payloads.items():
        executor.submit((task, 0), payload)
    executor.poll(0)
    assert executor.attempts[(1, 0)].bundle is executor.attempts[(2, 0)].bundle
    time.sleep(1.0)
    executor.cancel((2, 0))
    ended = {d.key: d for d in executor.poll(0.05)}
    assert ended[(2, 0)].failure == CANCELLED
    for key in ((1, 0), (3, 0)):
        executor.cancel(key)
    _until(executor, {(1, 0), (3, 0), (4, 0), (5, 0)}, 30, ended)
    assert ended[(1, 0)].failure == CANCELLED and ended[(4, 0)].outcome == 12
    time.sleep(0.5)
    assert all(key != (2, 0) for key, _ in lines)  # it never printed: it never ran
    executor.shutdown()
