"""The batch blob answer's wire form (datastore/batch.py): round trip, and hostile answers."""

from __future__ import annotations

import pytest

from flowscope.datastore import batch
from flowscope.errors import DataStoreError

A, B, C = "a" * 64, "b" * 64, "c" * 64


def test_entries_round_trip_in_order() -> None:
    body = b"".join(batch.encode([(B, b"\x00bee\n"), (A, None), (C, b"")]))
    assert body.startswith(B.encode() + b" 5\n\x00bee\n")
    decoded = batch.decode(body, [A, B, C])
    assert list(decoded) == [B, A, C]
    assert decoded == {B: bytearray(b"\x00bee\n"), A: None, C: bytearray()}
    assert batch.decode(b"", [A]) == {}  # all left out


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (C.encode() + b" 1\nx", "not asked"),
        (A.encode() + b" 1\nx" + A.encode() + b" 1\nx", "not asked"),  # twice
        (A.encode() + b" 10\nshort", "past the end"),
        (A.encode() + b" -5\n", "the length"),
        (A.encode() + b" 1e3\n", "the length"),
        (A.encode() + b" " + b"9" * 40 + b"\n", "has no end"),
        (A.encode() + b" 3", "has no end"),
        (b"<html>not a batch</html>", "has no end"),
        (b"\xff" * 64 + b" 1\nx", "not asked"),
    ],
)
def test_a_malformed_answer_is_an_error_naming_what_was_wrong(body: bytes, what: str) -> None:
    with pytest.raises(DataStoreError, match=what):
        batch.decode(body, [A, B])
