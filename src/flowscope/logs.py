"""The stored form of a task's stdout and stderr: one record per line, with its time. Pure.

Each record is `<seconds since epoch, 6 decimals> <line>\\n`, UTF-8. A line that had no
final newline when the task ended is stored as if it had one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from flowscope.frozen import Frozen, init


class LogRecord(Frozen):
    """One stored line: seconds since the epoch and the text. (The client shows it to users
    as `flowscope.client.LogLine`, a (datetime, line) pair.)"""

    __slots__ = ("timestamp", "text")
    timestamp: float
    text: str

    def __init__(self, timestamp: float, text: str) -> None:
        init(self, "timestamp", timestamp)
        init(self, "text", text)

    @property
    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, tz=timezone.utc)


def encode_line(timestamp: float, text: str) -> bytes:
    return f"{timestamp:.6f} {text.rstrip(chr(10))}\n".encode("utf-8", "backslashreplace")


def encode(lines: Iterable[LogRecord]) -> bytes:
    return b"".join(encode_line(line.timestamp, line.text) for line in lines)


def decode(data: bytes) -> Iterator[LogRecord]:
    for raw in data.decode("utf-8", "replace").splitlines():
        stamp, _, text = raw.partition(" ")
        try:
            yield LogRecord(float(stamp), text)
        except ValueError:  # not one of our records: keep the text
            yield LogRecord(0.0, raw)


def text_of(data: bytes) -> str:
    """The stream as the task printed it, without timestamps."""
    return "".join(line.text + "\n" for line in decode(data))
