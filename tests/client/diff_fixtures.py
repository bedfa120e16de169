"""Runs recorded for the run-diff tests (test_diff*.py)."""

from __future__ import annotations

import random
import string

from flowscope.client import Run

from .conftest import ENV, SCRIPT

LONG = "".join(random.Random(0).choices(string.ascii_letters, k=5000))  # lz4 cannot shrink it


def two_runs(builder, *, second_alpha=0.5, second_code=None, second_env=None, y_of=lambda i: i * i):
    """Two TrainFlow runs: params, a 3-way foreach `train`, an `end`."""
    runs = []
    for n, alpha in enumerate((0.5, second_alpha)):
        code = {"flow.py": SCRIPT, "helpers.py": "X = 1\n"}
        if n == 1 and second_code is not None:
            code = second_code
        run = builder.new_run(
            "TrainFlow",
            parameters={"alpha": alpha, **({"beta": 2} if n else {"gamma": 3})},
            code=code,
        )
        env = ENV if n == 0 or second_env is None else second_env
        builder.task(run, "_parameters", {"alpha": alpha}, env=env)
        builder.task(run, "start", {"rates": [1, 2, 3], "big": LONG}, env=env)
        for i in range(3):
            y = i * i if n == 0 else y_of(i)
            builder.task(run, "train", {"input": i, "y": y}, foreach_index=i, env=env)
        builder.task(run, "end", {"best": 0.9 if n == 0 else 0.95, "note": "ok"}, env=env)
        runs.append(builder.finish(run))
    return Run(runs[0].pathspec), Run(runs[1].pathspec)
