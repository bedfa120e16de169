"""Property-based tests (hypothesis) of the two gates every id and tag passes: pathspec
parsing and tag validation, alone and through a real local store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flowscope.errors import FlowscopeError, InvalidPathspec, TagError
from flowscope.pathspec import LEVELS, MAX_ID_LENGTH, check_id, format_pathspec, level_of, parse
from flowscope.tags import MAX_TAG_LENGTH, validate_tag, validate_tags

from .helpers import Project, make_project, row_counts

# an independent statement of what may reach the filesystem or SQL as an id
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
NUMBER = re.compile(r"[1-9][0-9]{0,17}", re.ASCII)


def safe_id(level: str, value: str) -> bool:
    pattern = NUMBER if level in ("run", "task") else NAME
    return (
        isinstance(value, str)
        and len(value) <= MAX_ID_LENGTH
        and pattern.fullmatch(value) is not None
    )


# text that leans on the characters that matter: separators, dots, NUL, digits, surrogates
PIECES = st.sampled_from(
    [
        "/",
        "//",
        ".",
        "..",
        "\x00",
        "\\",
        "%2f",
        " ",
        "\n",
        "0",
        "1",
        "01",
        "9" * 19,
        "a",
        "_",
        "Flow",
        "start",
        "\udcff",
        "\uff11",
        "'",
        ";",
        "--",
        "*",
        "é",
        "x" * 201,
    ]
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(PIECES, max_size=8).map("".join),
    st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=6).map("/".join),
)
ANYTHING = st.one_of(
    HOSTILE_TEXT,
    st.none(),
    st.integers(),
    st.floats(),
    st.binary(max_size=20),
    st.lists(st.text(max_size=3), max_size=3),
    st.booleans(),
)

VALID = {
    "flow": st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True),
    "run": st.integers(1, 10**18 - 1).map(str),
    "step": st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True),
    "task": st.integers(1, 10**18 - 1).map(str),
    "artifact": st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,30}", fullmatch=True),
}


# ---- pathspecs ---------------------------------------------------------------------------


@given(text=HOSTILE_TEXT, level=st.sampled_from(LEVELS))
def test_parse_returns_only_safe_components_or_refuses(text: str, level: str) -> None:
    try:
        parts = parse(text, level)
    except InvalidPathspec as exc:
        assert str(exc)
        return
    assert len(parts) == LEVELS.index(level) + 1
    assert "/".join(parts) == text
    for lvl, part in zip(LEVELS, parts, strict=False):
        assert safe_id(lvl, part), (lvl, part)
        assert part not in (".", "..") and "\x00" not in part and "/" not in part


@given(value=ANYTHING, level=st.sampled_from(LEVELS))
def test_anything_is_parsed_or_refused_with_invalid_pathspec(value: Any, level: str) -> None:
    for call in (
        lambda: parse(value, level),
        lambda: check_id(level, value),
        lambda: level_of(value),
    ):
        try:
            call()
        except InvalidPathspec:
            pass  # the only error allowed


@given(data=st.data(), depth=st.integers(1, len(LEVELS)))
def test_valid_pathspecs_round_trip(data: st.DataObject, depth: int) -> None:
    levels = LEVELS[:depth]
    parts = tuple(data.draw(VALID[lvl]) for lvl in levels)
    text = format_pathspec(*parts)
    assert parse(text, levels[-1]) == parts
    assert level_of(text) == levels[-1]


# ---- tags --------------------------------------------------------------------------------


def acceptable_tag(value: object) -> bool:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TAG_LENGTH:
        return False
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


TAGS = st.one_of(
    st.text(max_size=20),
    st.text(min_size=MAX_TAG_LENGTH - 2, max_size=MAX_TAG_LENGTH + 2),
    st.lists(PIECES, max_size=6).map("".join),
    st.sampled_from(
        [
            "",
            " ",
            "\t",
            "\x00",
            "a\x00",
            "\udcff",
            "x" * 500,
            "x" * 501,
            "user:x",
            "'; DROP TABLE runs; --",
            "%",
            "_",
        ]
    ),
)


@given(value=st.one_of(TAGS, ANYTHING))
def test_validate_tag_accepts_exactly_the_documented_tags(value: Any) -> None:
    if acceptable_tag(value):
        assert validate_tag(value) == value
    else:
        with pytest.raises(TagError):
            validate_tag(value)


@given(values=st.one_of(st.lists(st.one_of(TAGS, ANYTHING), max_size=5), ANYTHING))
def test_validate_tags_never_fails_with_anything_but_tag_error(values: Any) -> None:
    try:
        tags = validate_tags(values)
    except TagError:
        return
    assert list(tags) == list(dict.fromkeys(values))
    assert all(acceptable_tag(t) for t in tags)


# ---- through a real store ----------------------------------------------------------------


@pytest.fixture(scope="module")
def store_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    project = make_project(tmp_path_factory.mktemp("props") / "project")
    result = project.run("wide", "run", "--n", "1")
    assert result.code == 0, result.output
    yield project


SLOW_OK = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SLOW_OK
@given(text=HOSTILE_TEXT)
def test_client_addresses_resolve_or_fail_cleanly(store_project: Project, text: str) -> None:
    fs = store_project.client()
    before = row_counts(store_project.store / "metadata.db")
    for make in (
        fs.Flow,
        fs.Run,
        fs.Step,
        fs.Task,
        fs.DataArtifact,
        lambda t: fs.Run(f"WideFlow/{t}"),
        lambda t: fs.Task(f"WideFlow/1/start/{t}"),
    ):
        try:
            make(text)
        except FlowscopeError:
            pass  # InvalidPathspec, ObjectNotFound, NamespaceMismatch
    assert row_counts(store_project.store / "metadata.db") == before


@SLOW_OK
@given(tag=TAGS)
def test_tags_round_trip_through_the_store_or_change_nothing(
    store_project: Project, tag: str
) -> None:
    fs = store_project.client()
    run = fs.Run("WideFlow/1")
    before = sorted(run.user_tags)
    if not acceptable_tag(tag):
        with pytest.raises(TagError):
            run.add_tag(tag)
        assert sorted(fs.Run("WideFlow/1").user_tags) == before
        return
    if tag in run.system_tags:
        return  # already on the run as a system tag
    run.add_tag(tag)
    try:
        again = fs.Run("WideFlow/1")
        assert tag in again.user_tags and tag in again.tags
        assert [r.id for r in fs.Flow("WideFlow").runs(tag)] == ["1"]
    finally:
        fs.Run("WideFlow/1").remove_tag(tag)
    assert sorted(fs.Run("WideFlow/1").user_tags) == before
