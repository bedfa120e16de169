"""What a run prints while it runs: task starts and ends, output lines, foreach progress."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import TextIO

from flowscope.logs import LogRecord

WIDE = 16  # steps with more tasks than this print a progress line instead of each start/end


class Console:
    def __init__(self, out: TextIO | None = None, quiet: bool = False) -> None:
        self.out = out or sys.stdout
        self.quiet = quiet
        self._progress_at: dict[str, float] = {}

    def _say(self, text: str) -> None:
        if self.quiet:
            return
        stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]
        try:
            self.out.write(f"{stamp} {text}\n")
            self.out.flush()
        except OSError:  # a full disk behind a redirected stdout: the run goes on
            pass

    def run_started(self, pathspec: str, user: str, resumed_from: str | None = None) -> None:
        origin = f", resuming {resumed_from}" if resumed_from else ""
        self._say(f"Run {pathspec} started by {user}{origin}")

    def task_started(self, pathspec: str, attempt: int, wide: bool) -> None:
        if not wide:
            retry = f" (retry {attempt})" if attempt else ""
            self._say(f"[{pathspec}] started{retry}")

    def task_cloned(self, pathspec: str, origin: str, wide: bool) -> None:
        if not wide:
            self._say(f"[{pathspec}] cloned from {origin}")

    def task_finished(self, pathspec: str, status: str, seconds: float, wide: bool) -> None:
        if not wide or status != "succeeded":
            self._say(f"[{pathspec}] {status} in {seconds:.2f}s")

    def line(self, pathspec: str, stream: str, line: LogRecord) -> None:
        if self.quiet:
            return
        target = self.out if stream == "stdout" else sys.stderr
        try:
            target.write(f"[{pathspec}] {line.text}\n")
        except OSError:
            pass

    def progress(self, step: str, done: int, total: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._progress_at.get(step, 0.0) < 1.0 and done != total:
            return
        self._progress_at[step] = now
        self._say(f"step {step}: {done}/{total} tasks done")

    def note(self, text: str) -> None:
        self._say(text)

    def run_finished(self, pathspec: str, status: str, seconds: float) -> None:
        self._say(f"Run {pathspec} {status} in {seconds:.2f}s")
