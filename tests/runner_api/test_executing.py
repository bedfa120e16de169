"""ExecutingRun (runner_api/executing.py): status from the exit code; exiting stops the run."""

from __future__ import annotations

import os
import sys

from flowscope.runner_api.executing import ExecutingRun
from flowscope.runner_api.process import CommandProcess


def _running(tmp_path, code: str) -> ExecutingRun:
    process = CommandProcess([sys.executable, "-c", code], tmp_path, tmp_path, dict(os.environ))
    return ExecutingRun(process, "1", lambda run_id: run_id)  # type: ignore[arg-type,return-value]


def test_status_follows_the_exit_code(tmp_path):
    ok = _running(tmp_path, "print('hi')")
    ok._process.wait_blocking(False)
    assert (ok.status, ok.returncode, ok.stdout) == ("successful", 0, "hi\n")
    assert ok.run == "1"
    bad = _running(tmp_path, "raise SystemExit(3)")
    bad._process.wait_blocking(False)
    assert (bad.status, bad.returncode) == ("failed", 3)


def test_leaving_the_with_block_stops_a_run_still_going(tmp_path):
    with _running(tmp_path, "import time; time.sleep(60)") as running:
        assert running.status == "running"
    assert running.status == "failed"
