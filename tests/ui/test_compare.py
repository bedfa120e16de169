"""The compare page's pure parts (compare.py): parsing `runs=` and the bar charts."""

from __future__ import annotations

import pytest

from flowscope.errors import FlowscopeError
from flowscope.ui.compare import MAX_RUNS, bar_chart, parse_runs


def test_parse_runs() -> None:
    assert parse_runs("F/1, F/22,") == [("F", 1), ("F", 22)]
    for bad in ("", "F", "F/x", "F/1/start", ",".join(f"F/{i}" for i in range(1, MAX_RUNS + 2))):
        with pytest.raises(FlowscopeError):
            parse_runs(bad)


def test_bar_chart_draws_numbers_only_and_escapes() -> None:
    svg = bar_chart("<t>", ["F/1", "F/2", "F/3"], [1.5, "x", -2])
    assert svg.count("<rect") == 2 and "&lt;t&gt;" in svg and "<t>" not in svg
    assert bar_chart("t", ["F/1"], ["x"]) == ""
