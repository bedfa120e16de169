"""Artifact: a bounded repr of any object, with its type and optional name."""

from __future__ import annotations

from flowscope.cards.artifact import FULL_LIMIT, Artifact, full_repr, short_repr, type_name

from .html_check import parse


class BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no")


def test_short_repr_abbreviates_big_values_without_walking_them() -> None:
    assert short_repr(list(range(10_000))).endswith("...]")
    assert len(short_repr("x" * 1_000_000)) < 200
    assert len(short_repr({i: "y" * 500 for i in range(1000)}, limit=300)) < 340


def test_reprs_that_raise_are_described_not_raised() -> None:
    assert "BadRepr" in short_repr(BadRepr())  # reprlib describes it
    assert "repr failed" in full_repr(BadRepr())


def test_full_repr_is_cut_at_its_limit() -> None:
    assert len(full_repr("z" * (FULL_LIMIT * 2))) < FULL_LIMIT + 100


def test_type_names() -> None:
    assert type_name(3) == "int"
    assert type_name(BadRepr()).endswith("test_artifact.BadRepr")


def test_artifact_shows_name_type_and_value_and_updates() -> None:
    a = Artifact({"lr": 0.1}, name="config")
    parsed = parse(a.render())
    assert parsed.find("span", "fs-artifact-name") and "config" in parsed.joined_text
    assert "dict" in parsed.joined_text and "{'lr': 0.1}" in parsed.joined_text
    a.update([1, 2])
    assert "[1, 2]" in parse(a.render()).joined_text


def test_uncompressed_shows_everything_up_to_the_limit() -> None:
    value = list(range(100))
    assert "99" not in parse(Artifact(value).render()).joined_text
    assert "99" in parse(Artifact(value, compressed=False).render()).joined_text
    assert not parse(Artifact(1).render()).find("span", "fs-artifact-name")
