"""The executor protocol: one contract every implementation passes (the fork pool, and the
in-memory double the runner tests use)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from flowscope.runtime.executor import CANCELLED, Done, Executor, Placement
from flowscope.runtime.workers import ForkExecutor

from .support import InlineExecutor

IMPLEMENTATIONS = [ForkExecutor, InlineExecutor]


def slow_or_double(x: int) -> int:
    if x < 0:
        time.sleep(30)
    print(f"doubling {x}")
    return 2 * x


def make(cls: Any, capacity: int = 2) -> tuple[Executor[int, int], list[tuple[Any, str, str]]]:
    lines: list[tuple[Any, str, str]] = []
    executor = cls(
        slow_or_double, lambda key, stream, line: lines.append((key, stream, line)), capacity
    )
    return executor, lines


def drain(executor: Executor[int, int], deadline: float = 20.0) -> list[Done[int]]:
    ended: list[Done[int]] = []
    end = time.time() + deadline
    while executor.in_flight() and time.time() < end:
        ended += executor.poll(0.05)
    assert not executor.in_flight(), "attempts still in flight"
    return ended


@pytest.fixture(params=IMPLEMENTATIONS, ids=lambda c: c.__name__)
def impl(request: pytest.FixtureRequest) -> Any:
    return request.param


def test_submitted_attempts_end_with_their_outcome_and_placement(impl: Any) -> None:
    executor, _ = make(impl)
    assert executor.capacity == 2
    executor.submit((1, 0), 3)
    executor.submit((2, 0), 4)
    assert set(executor.in_flight()) == {(1, 0), (2, 0)}
    ended = {d.key: d for d in drain(executor)}
    assert {k: d.outcome for k, d in ended.items()} == {(1, 0): 6, (2, 0): 8}
    assert all(d.failure is None and isinstance(d.placement, Placement) for d in ended.values())
    assert all(d.placement.runtime and d.placement.host for d in ended.values())
    assert executor.shutdown() == []


def test_output_reaches_the_sink_with_its_attempt(impl: Any) -> None:
    executor, lines = make(impl)
    executor.submit((5, 1), 1)
    drain(executor)
    executor.shutdown()
    assert [(key, stream) for key, stream, _ in lines][:1] == [((5, 1), "stdout")]
    assert all(line.timestamp > 0 for _, _, line in lines)


def test_cancel_ends_an_attempt_with_cancelled(impl: Any) -> None:
    executor, _ = make(impl)
    executor.submit((1, 0), -1)  # would sleep 30 s
    executor.cancel((1, 0))
    (done,) = drain(executor, 10)
    assert done.key == (1, 0) and done.outcome is None and done.failure == CANCELLED
    executor.shutdown()


def test_shutdown_ends_what_is_in_flight_once(impl: Any) -> None:
    executor, _ = make(impl)
    executor.submit((1, 0), -1)
    executor.submit((2, 0), -1)
    began = time.time()
    ended = executor.shutdown(grace=1.0)
    assert time.time() - began < 10
    assert sorted(d.key for d in ended) == [(1, 0), (2, 0)]
    assert all(d.outcome is None for d in ended)
    assert not executor.in_flight()
    assert executor.shutdown() == []  # safe to call again
