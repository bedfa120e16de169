"""Tag rules, shared by the client, the runtime and the service. Pure.

Tags are non-empty UTF-8 strings of at most 500 characters. System tags (`user:...`,
`runtime:...`, ...) are set by flowscope when a run starts and cannot be removed.
"""

from __future__ import annotations

from collections.abc import Iterable

from flowscope.errors import TagError

MAX_TAG_LENGTH = 500


def validate_tag(tag: object) -> str:
    if not isinstance(tag, str):
        raise TagError(f"A tag must be a string, got {type(tag).__name__} {tag!r:.60}.")
    if not tag or not tag.strip():
        raise TagError("A tag must not be empty or only white space.")
    if len(tag) > MAX_TAG_LENGTH:
        raise TagError(
            f"The tag {tag[:40]!r}... is {len(tag)} characters long; the limit is {MAX_TAG_LENGTH}."
        )
    if "\x00" in tag:
        raise TagError(f"The tag {tag!r:.60} contains a NUL character.")
    try:
        tag.encode("utf-8")
    except UnicodeEncodeError:
        raise TagError(
            f"The tag {tag!r:.60} is not valid UTF-8 (it holds a lone surrogate)."
        ) from None
    return tag


def validate_tags(tags: Iterable[object]) -> tuple[str, ...]:
    if isinstance(tags, (str, bytes)):
        raise TagError(
            f"Expected a list of tags, got the single {type(tags).__name__} {tags!r:.60}; "
            f"use add_tag() for one tag or wrap it in a list."
        )
    try:
        items = iter(tags)
    except TypeError:
        raise TagError(
            f"Expected a list of tags, got {type(tags).__name__} {tags!r:.60}."
        ) from None
    return tuple(dict.fromkeys(validate_tag(t) for t in items))
