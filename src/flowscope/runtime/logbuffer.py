"""One stream of a task's output, kept within a byte bound (`--max-log-size`). Pure.

The first three quarters of the bound keep the start of the output, the last quarter its
most recent lines; what falls between is replaced by one line saying how much was left out.
The end is where a failing step's last words are, so it is never the part that goes.
"""

from __future__ import annotations

from collections import deque

from flowscope.logs import LogRecord

HEAD_SHARE = 0.75


class LogBuffer:
    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit  # bytes of text kept; None keeps everything
        self.head: list[LogRecord] = []
        self.tail: deque[LogRecord] = deque()
        self.seen = 0  # lines received, kept or not
        self._head_room = None if limit is None else int(limit * HEAD_SHARE)
        self._tail_room = None if limit is None else limit - int(limit * HEAD_SHARE)
        self._head_size = 0
        self._tail_size = 0
        self.left_out = 0  # lines left out
        self.left_out_bytes = 0
        self._left_out_at = 0.0  # when the last line left out was printed

    @property
    def full(self) -> bool:
        """True once the start is kept whole and new lines go to the end part."""
        return self._head_room is not None and (bool(self.tail) or self.left_out > 0)

    def add(self, line: LogRecord) -> bool:
        """Keep `line`; True when it is part of the start (a reader following the output live
        may be shown it), False when it only goes to the end part."""
        self.seen += 1
        size = len(line.text.encode("utf-8", "surrogateescape"))
        if self._head_room is None or (not self.full and self._head_size + size <= self._head_room):
            self.head.append(line)
            self._head_size += size
            return True
        assert self._tail_room is not None
        self.tail.append(line)
        self._tail_size += size
        while self._tail_size > self._tail_room and self.tail:
            gone = self.tail.popleft()
            gone_size = len(gone.text.encode("utf-8", "surrogateescape"))
            self._tail_size -= gone_size
            self.left_out += 1
            self.left_out_bytes += gone_size
            self._left_out_at = gone.timestamp
        return False

    def lines(self) -> list[LogRecord]:
        """What is kept, in order, with the line that says what was left out."""
        if not self.left_out:
            return [*self.head, *self.tail]
        return [*self.head, LogRecord(self._left_out_at, self.marker()), *self.tail]

    def marker(self) -> str:
        return (
            f"[flowscope: {self.left_out} lines ({_size(self.left_out_bytes)}) of this output "
            f"were left out here to keep it within --max-log-size ({_size(self.limit or 0)})]"
        )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    size = n / 1024
    for unit in ("KB", "MB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
