"""A task's output within --max-log-size: the start and the end kept, the middle replaced by
one line that says how much went."""

from __future__ import annotations

from hypothesis import given, strategies as st

from flowscope.logs import LogRecord
from flowscope.runtime.logbuffer import LogBuffer


def _lines(n: int, width: int = 9) -> list[LogRecord]:
    return [LogRecord(float(i), f"{i:0{width}d}") for i in range(n)]


def test_without_a_limit_everything_is_kept() -> None:
    buffer = LogBuffer(None)
    for line in _lines(1000):
        assert buffer.add(line)
    assert buffer.lines() == _lines(1000)
    assert buffer.seen == 1000 and buffer.left_out == 0


def test_output_within_the_limit_is_kept_whole() -> None:
    buffer = LogBuffer(1000)
    for line in _lines(100):  # 900 bytes: three quarters go to the start, the rest to the end
        buffer.add(line)
    assert buffer.lines() == _lines(100)


def test_the_start_and_the_end_are_kept_and_the_middle_is_named() -> None:
    buffer = LogBuffer(1000)
    live = [buffer.add(line) for line in _lines(1000)]
    assert live[:83] == [True] * 83 and not any(live[83:])  # 750 bytes of start: 83 lines
    kept = buffer.lines()
    texts = [line.text for line in kept]
    assert texts[:83] == [f"{i:09d}" for i in range(83)]
    assert texts[-27:] == [f"{i:09d}" for i in range(973, 1000)]  # the last 250 bytes
    marker = texts[83]
    assert "890 lines" in marker and "--max-log-size" in marker and "7.8 KB" in marker
    assert len(kept) == 83 + 1 + 27
    assert buffer.seen == 1000


def test_a_line_bigger_than_the_end_part_is_left_out_and_counted() -> None:
    buffer = LogBuffer(100)
    buffer.add(LogRecord(0.0, "a" * 70))
    buffer.add(LogRecord(1.0, "b" * 500))
    buffer.add(LogRecord(2.0, "end"))
    texts = [line.text for line in buffer.lines()]
    assert texts[0] == "a" * 70 and texts[-1] == "end"
    assert "1 lines (500 bytes)" in texts[1]


@given(st.lists(st.text(max_size=40), max_size=200), st.integers(min_value=8, max_value=400))
def test_what_is_kept_stays_within_the_limit_and_in_order(texts: list[str], limit: int) -> None:
    buffer = LogBuffer(limit)
    lines = [LogRecord(float(i), t) for i, t in enumerate(texts)]
    for line in lines:
        buffer.add(line)
    kept = [line for line in buffer.lines() if not line.text.startswith("[flowscope:")]
    size = sum(len(line.text.encode("utf-8", "surrogateescape")) for line in kept)
    assert size <= limit
    positions = [lines.index(line) for line in kept]
    assert positions == sorted(positions)
    assert buffer.left_out + len(kept) == len(lines)
    if lines:
        assert buffer.seen == len(lines)
        last_fits = len(lines[-1].text.encode("utf-8", "surrogateescape")) <= limit // 4
        if buffer.left_out and last_fits:  # the newest line is always kept when it fits
            assert kept[-1] == lines[-1]
