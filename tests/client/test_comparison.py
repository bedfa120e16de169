"""flowscope.compare (client/comparison.py): N runs side by side in a DataFrame."""

from __future__ import annotations

import subprocess
import sys

import pytest

import flowscope
from flowscope.client import Run
from flowscope.errors import ComparisonError

from .diff_fixtures import two_runs


def test_runs_side_by_side(client, builder):
    a, b = two_runs(builder, second_alpha=0.2)
    frame = flowscope.compare([a, b])
    assert list(frame.columns) == [a.pathspec, b.pathspec]
    assert frame.loc["params.alpha"].tolist() == [0.5, 0.2]
    assert frame.loc["params.beta"].tolist() == [None, 2]  # a parameter one run lacks
    assert frame.loc["data.best"].tolist() == [0.9, 0.95]
    assert frame.loc["data.note"].tolist() == ["ok", "ok"]
    assert frame.loc["status"].tolist() == ["succeeded", "succeeded"]
    assert all(d > 0 for d in frame.loc["duration"])
    rows = list(frame.index)
    assert rows[:4] == ["status", "user", "started_at", "duration"]
    assert rows.index("params.gamma") < rows.index("data.best")
    assert "data.big" not in rows  # only end-task scalars: `big` is start's


def test_runs_of_several_flows_and_unfinished_runs(client, builder):
    hello = Run(builder.hello().pathspec)
    running = Run(builder.running().pathspec)
    frame = flowscope.compare([hello, running])
    assert frame.loc["duration", running.pathspec] is None
    assert frame.loc["data.message", running.pathspec] is None  # no end task yet
    assert frame.loc["data.x", hello.pathspec] == 3
    assert "data.result" not in frame.index  # a list: not a scalar


def test_bad_input(client, builder):
    run = Run(builder.hello().pathspec)
    with pytest.raises(ComparisonError, match="Run objects.*not str"):
        flowscope.compare([run, run.pathspec])
    with pytest.raises(ComparisonError, match="list of Run objects"):
        flowscope.compare(run.pathspec)
    with pytest.raises(ComparisonError, match="at least one run"):
        flowscope.compare([])


def test_pandas_is_imported_by_compare_only():
    code = (
        "import sys, flowscope, flowscope.client; flowscope.compare; print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
