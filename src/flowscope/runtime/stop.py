"""How a run answers Ctrl-C and SIGTERM.

The first signal asks the runner to stop. Where the runner only waits (for its executor, or
for the metadata store to answer), it stops at once: the wait is interrupted. Elsewhere it
stops at the next such wait or at the top of its next turn (within half a second), so it is
never interrupted half-way through starting a worker or turning an outcome into records. A
second signal stops it at once, wherever it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class StopRequest:
    """The handler of Ctrl-C and SIGTERM during a run."""

    def __init__(self) -> None:
        self.requested = False
        self._waiting = 0

    def __call__(self, signum: int, frame: Any) -> None:
        stop_now = self.requested or self._waiting > 0
        self.requested = True
        if stop_now:
            raise KeyboardInterrupt

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """A region where the runner only waits: a stop request ends it at once (with
        KeyboardInterrupt), and one made before it is answered on entry."""
        if self.requested:
            raise KeyboardInterrupt
        self._waiting += 1
        try:
            yield
        finally:
            self._waiting -= 1
