"""Ctrl-C and SIGTERM during a run: the first asks, the second insists."""

from __future__ import annotations

import signal

import pytest

from flowscope.runtime.stop import StopRequest


def test_the_first_signal_asks_and_the_second_stops_at_once() -> None:
    stop = StopRequest()
    assert not stop.requested
    stop(signal.SIGTERM, None)
    assert stop.requested
    with pytest.raises(KeyboardInterrupt):
        stop(signal.SIGINT, None)


def test_a_wait_is_interrupted_by_the_first_signal() -> None:
    stop = StopRequest()
    with pytest.raises(KeyboardInterrupt), stop.waiting():
        stop(signal.SIGTERM, None)  # as if it arrived while blocked on the store
    assert stop.requested


def test_a_request_made_outside_a_wait_is_answered_on_entering_the_next() -> None:
    stop = StopRequest()
    stop(signal.SIGTERM, None)
    with pytest.raises(KeyboardInterrupt), stop.waiting():
        raise AssertionError("the wait was entered")
