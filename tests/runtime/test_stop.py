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
