"""Real subprocess runs of small flows, in a fresh directory with its own local store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowscope.client.context import CONTEXT

FLOW = """import os
import sys

from flowscope import FlowSpec, Parameter, step


class TrainFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.5)

    @step
    def start(self):
        self.rates = [0.01, 0.1]
        print("starting with", self.alpha)
        self.next(self.train, foreach="rates")

    @step
    def train(self):
        self.rate = self.input
        print("to stderr", self.rate, file=sys.stderr)
        self.next(self.join)

    @step
    def join(self, inputs):
        if os.path.exists("FAIL"):  # a file in the run's directory
            raise ValueError("asked to fail")
        self.best = max(i.rate for i in inputs) * self.alpha
        self.next(self.end)

    @step
    def end(self):
        print("best", self.best)


if __name__ == "__main__":
    TrainFlow()
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A directory holding train.py; runs started there record to its .flowscope."""
    for name in ("FLOWSCOPE_SERVICE_URL", "FLOWSCOPE_ROOT", "FLOWSCOPE_DATASTORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLOWSCOPE_USER", "tester")
    monkeypatch.setenv("FLOWSCOPE_HEARTBEAT_INTERVAL", "1")
    (tmp_path / "train.py").write_text(FLOW)
    CONTEXT.reset()
    yield tmp_path
    CONTEXT.reset()


@pytest.fixture
def env() -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join(p for p in [os.environ.get("PYTHONPATH", "")] if p)}
