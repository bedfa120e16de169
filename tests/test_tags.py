"""Tag rules (tags.py): what a tag may be, and lists of tags de-duplicated in order."""

from __future__ import annotations

import pytest

from flowscope.errors import TagError
from flowscope.tags import MAX_TAG_LENGTH, validate_tag, validate_tags


@pytest.mark.parametrize("tag", ["x", "key:value", "ünïcode ☃", "a" * MAX_TAG_LENGTH, " padded "])
def test_valid_tags_are_returned_unchanged(tag: str) -> None:
    assert validate_tag(tag) == tag


@pytest.mark.parametrize(
    "tag,words",
    [
        (3, "must be a string"),
        (b"bytes", "must be a string"),
        ("", "empty"),
        ("  \t", "empty"),
        ("a" * (MAX_TAG_LENGTH + 1), "the limit is 500"),
        ("a\x00b", "NUL"),
        ("lone \ud800", "UTF-8"),
    ],
)
def test_invalid_tags_are_tag_errors(tag: object, words: str) -> None:
    with pytest.raises(TagError, match=words):
        validate_tag(tag)


def test_lists_keep_first_occurrences_in_order() -> None:
    assert validate_tags(["b", "a", "b", "c", "a"]) == ("b", "a", "c")
    assert validate_tags(t for t in ("x",)) == ("x",)
    assert validate_tags([]) == ()


@pytest.mark.parametrize(
    "tags,words", [("one", "single str"), (b"one", "single bytes"), (5, "int")]
)
def test_a_non_list_is_refused(tags: object, words: str) -> None:
    with pytest.raises(TagError, match=words):
        validate_tags(tags)  # type: ignore[arg-type]


def test_one_bad_tag_fails_the_list() -> None:
    with pytest.raises(TagError, match="empty"):
        validate_tags(["ok", ""])
