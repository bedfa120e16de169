"""Pathspecs (pathspec.py): ids checked per level, parse/level_of/format, clear messages."""

from __future__ import annotations

import pytest

from flowscope.errors import InvalidPathspec
from flowscope.pathspec import MAX_ID_LENGTH, check_id, format_pathspec, level_of, parse


@pytest.mark.parametrize(
    "level,value",
    [("flow", "MyFlow"), ("step", "_start2"), ("artifact", "x"), ("run", "1"), ("task", "987")],
)
def test_valid_ids_are_returned(level: str, value: str) -> None:
    assert check_id(level, value) == value


@pytest.mark.parametrize(
    "level,value,words",
    [
        ("run", 3, "must be a string"),
        ("run", "0", "positive integer"),
        ("task", "01", "positive integer"),
        ("run", "1" * 19, "positive integer"),
        ("flow", "2Flow", "Python identifier"),
        ("step", "a-b", "Python identifier"),
        ("artifact", "../etc", "Python identifier"),
        ("flow", "Flow\x00", "Python identifier"),
        ("flow", "F" * (MAX_ID_LENGTH + 1), "the limit is 200"),
    ],
)
def test_invalid_ids_say_what_is_expected(level: str, value: object, words: str) -> None:
    with pytest.raises(InvalidPathspec, match=words):
        check_id(level, value)


def test_long_values_are_shortened_in_messages() -> None:
    with pytest.raises(InvalidPathspec) as info:
        check_id("flow", "-" * 150)
    assert len(str(info.value)) < 200 and "..." in str(info.value)


def test_parse_splits_and_checks_every_component() -> None:
    assert parse("F/3/start/7/x", "artifact") == ("F", "3", "start", "7", "x")
    assert parse("F", "flow") == ("F",)
    with pytest.raises(InvalidPathspec, match=r"expected Run\('FlowName/RunID'\)"):
        parse("F/3/start", "run")
    with pytest.raises(InvalidPathspec, match="expected"):
        parse("F//start", "step")
    with pytest.raises(InvalidPathspec, match="in pathspec 'F/x'"):
        parse("F/x", "run")
    with pytest.raises(InvalidPathspec, match="must be a string"):
        parse(["F"], "flow")


@pytest.mark.parametrize(
    "spec,level",
    [
        ("F", "flow"),
        ("F/1", "run"),
        ("F/1/s", "step"),
        ("F/1/s/2", "task"),
        ("F/1/s/2/a", "artifact"),
    ],
)
def test_level_of_counts_components(spec: str, level: str) -> None:
    assert level_of(spec) == level


@pytest.mark.parametrize("spec", ["", "F/1/s/2/a/b", "F/one"])
def test_level_of_refuses_bad_pathspecs(spec: str) -> None:
    with pytest.raises(InvalidPathspec):
        level_of(spec)


def test_format_joins_components() -> None:
    assert format_pathspec("F", 3, "start", 7) == "F/3/start/7"
    assert parse(format_pathspec("F", 3), "run") == ("F", "3")
