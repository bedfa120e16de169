"""What a run prints: starts and ends, output lines, progress for wide steps."""

from __future__ import annotations

import io

from flowscope.logs import LogRecord
from flowscope.runtime.console import WIDE, Console


def test_narrow_steps_print_each_task_and_wide_steps_only_failures() -> None:
    out = io.StringIO()
    console = Console(out)
    console.run_started("F/1", "ann", "F/0")
    console.task_started("F/1/a/2", 1, wide=False)
    console.task_finished("F/1/a/2", "succeeded", 0.5, wide=False)
    console.task_started("F/1/b/3", 0, wide=True)
    console.task_finished("F/1/b/3", "succeeded", 0.5, wide=True)
    console.task_finished("F/1/b/4", "failed", 0.5, wide=True)
    text = out.getvalue()
    assert "Run F/1 started by ann, resuming F/0" in text
    assert "[F/1/a/2] started (retry 1)" in text and "[F/1/a/2] succeeded in 0.50s" in text
    assert "F/1/b/3" not in text and "[F/1/b/4] failed in 0.50s" in text
    assert WIDE > 1


def test_progress_is_throttled_but_the_last_line_always_shows() -> None:
    out = io.StringIO()
    console = Console(out)
    for done in range(1, 101):
        console.progress("body", done, 100)
    lines = [line for line in out.getvalue().splitlines() if "step body" in line]
    assert lines[0].endswith("1/100 tasks done") and lines[-1].endswith("100/100 tasks done")
    assert len(lines) == 2


def test_quiet_prints_nothing() -> None:
    out = io.StringIO()
    console = Console(out, quiet=True)
    console.run_started("F/1", "ann")
    console.line("F/1/a/2", "stdout", LogRecord(1.0, "x"))
    console.note("hello")
    assert out.getvalue() == ""
