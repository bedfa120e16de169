"""How a run answers Ctrl-C and SIGTERM."""

from __future__ import annotations

from typing import Any


class StopRequest:
    """The handler of Ctrl-C and SIGTERM during a run. The first signal asks the runner to
    stop at its next safe point (the top of a turn of its loop, within half a second), so that
    it is never interrupted half-way through starting a worker or recording a batch; a second
    one stops it at once."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
