"""parallel_map and parallel_imap_unordered (multicore.py): forks, order, bounds, failures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowscope import parallel_imap_unordered, parallel_map
from flowscope.errors import MulticoreError


def test_results_come_back_in_order_from_other_processes() -> None:
    here = os.getpid()
    offset = 10
    results = parallel_map(lambda x: (x + offset, os.getpid() != here), range(12), max_parallel=3)
    assert results == [(x + 10, True) for x in range(12)]  # a closure: nothing pickled but results


def test_unordered_gives_every_result_once() -> None:
    def slow_first(x: int) -> int:
        time.sleep(0.3 if x == 0 else 0)
        return x * x

    out = list(parallel_imap_unordered(slow_first, range(6), max_parallel=6))
    assert sorted(out) == [x * x for x in range(6)] and out[-1] == 0  # the slow one is last


def test_at_most_max_parallel_children_run_at_once(tmp_path: Path) -> None:
    def mark(i: int) -> int:
        (tmp_path / f"{i}.start").touch()
        time.sleep(0.2)
        live = sum(1 for p in tmp_path.glob("*.start")) - sum(1 for p in tmp_path.glob("*.end"))
        (tmp_path / f"{i}.end").touch()
        return live

    assert max(parallel_map(mark, range(8), max_parallel=2)) <= 2


def test_a_raising_call_names_its_argument_and_leaves_no_files(tmp_path: Path) -> None:
    def boom(x: int) -> int:
        if x == 3:
            raise ValueError("three is bad")
        return x

    with pytest.raises(MulticoreError, match="argument 3 raised ValueError: three is bad"):
        parallel_map(boom, range(6), max_parallel=2, dir=str(tmp_path))
    time.sleep(0.1)
    assert list(tmp_path.iterdir()) == []


def test_a_killed_child_and_an_unpicklable_result_are_named() -> None:
    with pytest.raises(MulticoreError, match="was killed by signal 9"):
        parallel_map(lambda x: os.kill(os.getpid(), 9), [1])
    with pytest.raises(MulticoreError, match="cannot be pickled"):
        parallel_map(lambda x: lambda: x, [1])


def test_bad_max_parallel_and_empty_input() -> None:
    assert parallel_map(lambda x: x, []) == []
    with pytest.raises(MulticoreError, match="at least 1"):
        parallel_map(lambda x: x, [1], max_parallel=0)


def test_other_children_of_the_caller_are_left_alone() -> None:
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    assert parallel_map(lambda x: x + 1, range(4), max_parallel=2) == [1, 2, 3, 4]
    assert other.wait(timeout=10) == 0  # its status was not taken by parallel_map
