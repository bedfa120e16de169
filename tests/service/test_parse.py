"""Request checks (service/parse.py): path ids, typed body fields and the size-limited JSON body,
each refused as a 400 (or 413) HttpError naming the field."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import pytest
from starlette.requests import Request

from flowscope.errors import InvalidPathspec
from flowscope.service import parse as p
from flowscope.service.wire import HttpError

KEY = "ab" * 32


def _request(
    path_params: dict[str, str] | None = None,
    body: list[bytes] | None = None,
    headers: dict[str, str] | None = None,
) -> Request:
    chunks = list(body or [])

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(k.encode(), v.encode()) for k, v in (headers or {}).items()],
        "path_params": path_params or {},
    }
    return Request(scope, receive)


def _refused(call: Callable[[], object], status: int = 400) -> str:
    with pytest.raises(HttpError) as info:
        call()
    assert info.value.status == status
    return info.value.message


def test_path_ids_are_checked_by_level() -> None:
    request = _request({"flow": "F", "step": "start", "run": "12", "task": "3", "key": KEY})
    assert (p.flow(request), p.step(request), p.run(request), p.task(request)) == (
        "F",
        "start",
        12,
        3,
    )
    assert p.blob_key(request) == KEY
    with pytest.raises(InvalidPathspec):
        p.run(_request({"run": "0"}))
    with pytest.raises(InvalidPathspec):
        p.flow(_request({"flow": "no-dash"}))
    assert "key" in _refused(lambda: p.blob_key(_request({"key": "XYZ"}))).lower()


def test_attempt_numbers() -> None:
    assert p.attempt_number("0") == 0 and p.attempt_number("123456789") == 123456789
    for bad in ("-1", "1.0", "", "1234567890", "x" * 100):
        message = _refused(lambda bad=bad: p.attempt_number(bad, "attempt"))
        assert message.startswith("attempt must be a non-negative integer") and len(message) < 120


def test_text_fields() -> None:
    assert p.text("ok ☃", "f") == "ok ☃"
    assert p.optional_text(None, "f") is None
    assert _refused(lambda: p.text(3, "user")) == "user must be a string, got int."
    assert "limit is 5" in _refused(lambda: p.text("toolong", "f", max_length=5))
    assert "NUL" in _refused(lambda: p.text("a\x00", "f"))
    assert "UTF-8" in _refused(lambda: p.text("\ud800", "f"))


def test_integers_refuse_bools_floats_and_out_of_range() -> None:
    assert p.integer(5, "n") == 5 and p.optional_integer(None, "n") is None
    assert p.integer(p.INT64_MAX, "n") == p.INT64_MAX
    for bad in (True, 1.0, "1", None):
        assert "must be an integer" in _refused(lambda bad=bad: p.integer(bad, "n"))
    assert "between 1 and" in _refused(lambda: p.integer(0, "n", minimum=1))
    assert "between 0 and" in _refused(lambda: p.integer(p.INT64_MAX + 1, "n"))


def test_numbers_are_finite_floats() -> None:
    assert p.number(None, "t") is None and p.number(2, "t") == 2.0
    for bad in (math.nan, math.inf):
        assert "finite" in _refused(lambda bad=bad: p.number(bad, "t"))
    assert "must be a number" in _refused(lambda: p.number(False, "t"))
    assert p.query_number("1.5", "since") == 1.5
    assert "seconds since the epoch" in _refused(lambda: p.query_number("soon", "since"))
    assert "finite" in _refused(lambda: p.query_number("nan", "since"))


def test_lists_and_objects() -> None:
    assert p.text_list(["a", "b"], "tags") == ("a", "b")
    assert "tags[1] must be a string" in _refused(lambda: p.text_list(["a", 2], "tags"))
    assert "must be a list of strings" in _refused(lambda: p.text_list("a", "tags"))
    assert p.objects([{}], "tasks") == [{}]
    assert "tasks[0] must be an object" in _refused(lambda: p.objects([1], "tasks"))
    assert "list of objects" in _refused(lambda: p.objects({}, "tasks"))
    assert p.mapping(None, "m") is None and p.mapping({"k": 1}, "m") == {"k": 1}
    assert "must be an object" in _refused(lambda: p.mapping([], "m"))
    assert "a key of m" in _refused(lambda: p.mapping({"a\x00": 1}, "m"))


def test_the_body_is_read_within_its_limit() -> None:
    assert asyncio.run(p.read_body(_request(body=[b"ab", b"cd"]), limit=4)) == b"abcd"
    message = _refused(lambda: asyncio.run(p.read_body(_request(body=[b"abc", b"de"]), 4)), 413)
    assert "limit of 4 bytes" in message
    declared = _request(body=[b"x"], headers={"content-length": "999"})
    assert "999 bytes" in _refused(lambda: asyncio.run(p.read_body(declared, 10)), 413)
    bad = _request(body=[b"x"], headers={"content-length": "-1"})
    assert "Content-Length" in _refused(lambda: asyncio.run(p.read_body(bad, 10)))


@pytest.mark.parametrize(
    "raw,words",
    [
        (b"{", "not valid JSON"),
        (b"\xff", "not valid JSON"),
        (b'{"a": NaN}', "not valid JSON"),
        (b"[" * 100_000, "not valid JSON"),
        (b"[1]", "must be a JSON object, got list"),
        (b'"s"', "must be a JSON object, got str"),
    ],
)
def test_json_bodies_are_objects_or_400(raw: bytes, words: str) -> None:
    assert words in _refused(lambda: asyncio.run(p.read_json(_request(body=[raw]), 10**6)))


def test_a_json_object_is_returned() -> None:
    assert asyncio.run(p.read_json(_request(body=[b'{"a": [1, 2.5]}']), 100)) == {"a": [1, 2.5]}
