"""The stored log format (logs.py): one timestamped record per line, round-tripped."""

from __future__ import annotations

from datetime import timezone

from flowscope.logs import LogRecord, decode, encode, encode_line, text_of


def test_a_record_is_a_timestamp_a_space_and_the_line() -> None:
    assert encode_line(1.5, "hello") == b"1.500000 hello\n"
    assert encode_line(2.0, "no double newline\n") == b"2.000000 no double newline\n"
    assert encode_line(0.0, "") == b"0.000000 \n"


def test_encode_then_decode_round_trips() -> None:
    lines = [
        LogRecord(1700000000.123456, "first"),
        LogRecord(1700000001.0, "  spaced  out"),
        LogRecord(3.0, ""),
    ]
    assert list(decode(encode(lines))) == lines


def test_unencodable_text_is_escaped_not_lost() -> None:
    data = encode_line(1.0, "bad \udcff byte")
    assert data == b"1.000000 bad \\udcff byte\n"
    assert text_of(data) == "bad \\udcff byte\n"


def test_foreign_lines_are_kept_with_time_zero() -> None:
    assert list(decode(b"not-a-stamp text\n1.000000 ok\n")) == [
        LogRecord(0.0, "not-a-stamp text"),
        LogRecord(1.0, "ok"),
    ]
    assert list(decode(b"\xff\xfe 2\n")) == [LogRecord(0.0, "\ufffd\ufffd 2")]


def test_text_of_strips_timestamps() -> None:
    assert text_of(encode_line(1.0, "a") + encode_line(2.0, "b c")) == "a\nb c\n"
    assert text_of(b"") == ""


def test_datetime_is_utc() -> None:
    moment = LogRecord(0.0, "x").datetime
    assert moment.tzinfo is timezone.utc and moment.year == 1970


def test_one_class_is_named_logline_the_clients_public_one():
    import flowscope.logs
    from flowscope.client import LogLine

    assert not hasattr(flowscope.logs, "LogLine")  # the stored form is LogRecord
    stamp, line = LogLine(LogRecord(0.0, "x").datetime, "x")
    assert (stamp.year, line) == (1970, "x")
