"""Warming a task host: flowscope's task machinery run on its own flow, specialized before
the first fork, and nothing left behind."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from flowscope.flow import current
from flowscope.runtime.warmup import ROUNDS, warm_runtime

SRC = Path(__file__).resolve().parents[2] / "src"

SPECIALIZED = """
import dis
from flowscope.runtime import task
from flowscope.runtime.warmup import warm_runtime

def specialized(function):
    plain = {i.opname for i in dis.get_instructions(function)}
    return sum(i.opname not in plain for i in dis.get_instructions(function, adaptive=True))

before = specialized(task._execute)
warm_runtime()
print(before, specialized(task._execute))
"""


def test_every_round_runs_and_nothing_is_left_behind() -> None:
    before = set(glob.glob(os.path.join(tempfile.gettempdir(), "flowscope-warm-up-*")))
    assert warm_runtime() == ROUNDS
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "flowscope-warm-up-*"))) == before
    assert not current.is_running_flow  # the task's `current` was unbound after it


def test_the_task_machinery_is_specialized_before_any_fork() -> None:
    """In a fresh interpreter (this one has run tasks already): the bytecode of the task's
    body is plain before, specialized after (what the forks then inherit)."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", SPECIALIZED], env=env, capture_output=True, text=True, check=True
    )
    before, after = map(int, out.stdout.split())
    assert before == 0 and after > 50
