"""A clock the store tests set by hand: `SqlMetadataStore(clock=...)` reads time only from it."""

from __future__ import annotations


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
