"""The `cards` fact and the live pointer files: what the runtime writes and the client reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowscope.cards.records import (
    SIGNAL,
    CardRecord,
    card_signal,
    decode_records,
    encode_records,
    live_card_path,
    read_pointer,
    read_signal,
    write_pointer,
)


def test_records_round_trip_through_the_fact_value() -> None:
    records = [
        CardRecord(0, "default", None, "a" * 64, 10, True, 1.5),
        CardRecord(1, "blank", "report", "b" * 64, 20, False, 2.5),
    ]
    assert decode_records(encode_records(records)) == records


@pytest.mark.parametrize(
    "value",
    [None, "", "{", "{}", "[1]", '[{"index": 0}]', '[{"index": "0", "type": "x", "key": "k", "size": 1}]',
     '[{"index": 0, "type": "x", "key": "k", "size": 1, "id": 5}]'],
)  # fmt: skip
def test_a_malformed_fact_gives_no_records(value: str | None) -> None:
    assert decode_records(value) == []


def test_good_entries_survive_bad_neighbours() -> None:
    good = {"index": 2, "type": "blank", "id": None, "key": "k", "size": 3}
    value = json.dumps([good, "junk", {"index": 1}])
    assert decode_records(value) == [CardRecord(2, "blank", None, "k", 3)]


def test_pointers_are_replaced_whole_and_read_back(tmp_path: Path) -> None:
    path = live_card_path(tmp_path, "Flow", 3, 7, 1, 0)
    assert path == tmp_path / "Flow" / "3" / "7.1.card0.json"
    path.parent.mkdir(parents=True)
    assert read_pointer(path) is None
    write_pointer(path, CardRecord(0, "blank", None, "k1", 1))
    write_pointer(path, CardRecord(0, "blank", None, "k2", 2))
    assert read_pointer(path) == CardRecord(0, "blank", None, "k2", 2)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    path.write_text("{not json")
    assert read_pointer(path) is None


def test_path_parts_are_numbers() -> None:
    with pytest.raises(ValueError):
        live_card_path(Path("/x"), "Flow", "1/../..", 1, 0, 0)  # type: ignore[arg-type]


def test_a_card_signal_round_trips_and_keeps_what_was_printed_before_it() -> None:
    record = CardRecord(2, "blank", "live", "c" * 64, 30, True, 7.5)
    assert read_signal(card_signal(record)) == ("", record)
    assert read_signal("half a line" + card_signal(record)) == ("half a line", record)
    assert read_signal("an ordinary line") == ("an ordinary line", None)


@pytest.mark.parametrize(
    "text",
    [
        SIGNAL,
        SIGNAL + "{",
        SIGNAL + "[]",
        SIGNAL + '{"index": 0, "type": "blank", "key": "../../etc", "size": 1}',
        SIGNAL + '{"index": 0, "type": "blank", "key": "' + "A" * 64 + '", "size": 1}',
        SIGNAL
        + '{"index": 0, "type": "blank", "key": "'
        + "a" * 64
        + '", "size": 1, "x": "'
        + "y" * 5000
        + '"}',
    ],
)
def test_a_malformed_signal_is_output_not_a_card(text: str) -> None:
    assert read_signal(text) == (text, None)
